// GET /api/files/<any/depth/of/path>: pixel.gif is an image (a binary body, base64 with isBase64Encoded);
// anything else answers as text with the segments it was given.
const PIXEL_GIF = 'R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=='

export async function handler (event) {
  const path = event.pathParameters.path
  if (path === 'pixel.gif') {
    return { statusCode: 200, headers: { 'Content-Type': 'image/gif' }, body: PIXEL_GIF, isBase64Encoded: true }
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'text/plain; charset=utf-8' },
    body: `You asked for "${path}" (${path.split('/').length} segments)\n`
  }
}
