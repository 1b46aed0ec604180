// GET /api/users/1 → the user; an unknown id → 404; any other method → 405 with Allow.
const USERS = new Map([
  ['1', { id: '1', name: 'Ada Lovelace' }],
  ['2', { id: '2', name: 'Grace Hopper' }]
])

export async function handler (event) {
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
    return { statusCode: 405, headers: { Allow: 'GET, HEAD' }, body: JSON.stringify({ error: 'Method not allowed' }) }
  }
  const user = USERS.get(event.pathParameters.id)
  if (user === undefined) {
    return { statusCode: 404, body: JSON.stringify({ error: `No user ${event.pathParameters.id}` }) }
  }
  return { statusCode: 200, body: JSON.stringify(user), cookies: [`last_user=${user.id}; Path=/; SameSite=Lax`] }
}
