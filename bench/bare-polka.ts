import polka from 'polka'

/**
 * The ceiling every figure is compared with: a bare Polka endpoint that reads a small JSON body and echoes it,
 * in its own process, as the service runs in its own. Prints its port on stdout.
 */
const app = polka()
app.post('/echo', (req, res) => {
  let body = ''
  req.setEncoding('utf8')
  req.on('data', (c: string) => { body += c })
  req.on('end', () => {
    const out = JSON.stringify({ success: true, result: JSON.parse(body === '' ? '{}' : body) })
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) })
    res.end(out)
  })
})
app.listen(0, '127.0.0.1', () => {
  const address = app.server?.address()
  process.stdout.write(`port ${typeof address === 'object' && address !== null ? address.port : 0}\n`)
})
process.on('SIGTERM', () => { process.exit(0) })
