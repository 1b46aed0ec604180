// GET /api/hello?name=Ada → {"message":"Hello, Ada!"}
export async function handler (event) {
  const name = event.queryStringParameters.name ?? 'world'
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' },
    body: JSON.stringify({ message: `Hello, ${name}!`, method: event.httpMethod })
  }
}
