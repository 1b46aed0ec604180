import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { startService } from '../helpers/service.js'

// The example of the README section "Functions alongside a static site", deployed and tried as a new user would.
const DEPLOY = fileURLToPath(new URL('../../../examples/site/deploy.mjs', import.meta.url))
const ADMIN = 'example-admin-token-0123'
const svc = await startService({ ADMIN_TOKEN: ADMIN })
t.teardown(() => svc.stop())

const deploy = (): Promise<{ stdout: string }> =>
  promisify(execFile)(process.execPath, [DEPLOY, 'my-site'], { env: { ...process.env, FUNCTIONS_URL: svc.url, ADMIN_TOKEN: ADMIN } })

t.test('one script deploys the example site, and again without harm', async t => {
  const first = await deploy()
  t.match(first.stdout, /created\s+hello\s+api\/hello\.js/)
  t.match(first.stdout, /created\s+users-id\s+api\/users\/\[id\]\.js/)
  t.match(first.stdout, /created\s+files-path\s+api\/files\/\[\.\.\.path\]\.js/)
  t.match((await deploy()).stdout, /replaced\s+hello/)
})

t.test('the example answers its paths', async t => {
  const site = `${svc.url}/sites/my-site`
  let res = await fetch(`${site}/api/hello?name=Ada`)
  t.same([res.status, await res.json()], [200, { message: 'Hello, Ada!', method: 'GET' }])
  res = await fetch(`${site}/api/users/1`)
  t.same([res.status, await res.json()], [200, { id: '1', name: 'Ada Lovelace' }])
  t.same(res.headers.getSetCookie(), ['last_user=1; Path=/; SameSite=Lax'])
  res = await fetch(`${site}/api/users/3`)
  t.same([res.status, await res.json()], [404, { error: 'No user 3' }])
  res = await fetch(`${site}/api/users/constructor`)
  t.equal(res.status, 404)
  res = await fetch(`${site}/api/users/1`, { method: 'DELETE' })
  t.same([res.status, res.headers.get('allow')], [405, 'GET, HEAD'])
  res = await fetch(`${site}/api/files/docs/2024/report.txt`)
  t.same([res.status, await res.text()], [200, 'You asked for "docs/2024/report.txt" (3 segments)\n'])
  res = await fetch(`${site}/api/files/pixel.gif`)
  t.equal(res.headers.get('content-type'), 'image/gif')
  t.same(Buffer.from(await res.arrayBuffer()), Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64'))
  res = await fetch(`${site}/api/nothing`)
  t.same([res.status, await res.json()], [404, { error: 'Function not found' }])
})

t.test('with no service at FUNCTIONS_URL the script says so in one line and exits 1', async t => {
  // A port that was just free: nothing listens there.
  const { createServer } = await import('node:net')
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  const url = `http://127.0.0.1:${port}`
  const failed = await promisify(execFile)(process.execPath, [DEPLOY, 'my-site'], { env: { ...process.env, FUNCTIONS_URL: url } })
    .then(() => undefined, (err: { code: number, stdout: string, stderr: string }) => err)
  t.equal(failed?.code, 1, 'exit code 1')
  t.equal(failed?.stderr, `cannot reach the functions service at ${url} (ECONNREFUSED): start it with \`npm start\`, or set FUNCTIONS_URL to its address\n`)
  t.notMatch(failed?.stderr, /\n\s+at /, 'no stack trace')
})
