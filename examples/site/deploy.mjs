#!/usr/bin/env node
// Deploys every function under api/ of this site to a functions service, each under its own file path, so the
// service answers /sites/<project>/api/... as a static-site host answers /api/...
//
//   node examples/site/deploy.mjs [projectId]        (default project: example-site)
//
// FUNCTIONS_URL (default http://localhost:9001) and ADMIN_TOKEN (when the service has one) come from the environment.
// Re-running is safe: PUT replaces what is there.
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(fileURLToPath(import.meta.url))
const project = process.argv[2] ?? 'example-site'
const base = (process.env.FUNCTIONS_URL ?? 'http://localhost:9001').replace(/\/+$/, '')
const headers = { 'content-type': 'application/json' }
if (process.env.ADMIN_TOKEN) headers.authorization = `Bearer ${process.env.ADMIN_TOKEN}`

/** Every .js/.ts file below dir, as paths relative to the site root with forward slashes. */
async function sources (dir) {
  const found = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) found.push(...await sources(path))
    else if (/\.(js|mjs|cjs|ts)$/.test(entry.name)) found.push(relative(root, path).split(sep).join('/'))
  }
  return found.sort()
}

/** api/users/[id].js → users-id: a valid function name (letters, digits, "-", "_"; at most 64). */
function functionName (filePath) {
  return filePath.replace(/^api\//, '').replace(/\.(js|mjs|cjs|ts)$/, '').replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'index'
}

/** PUT, or one line saying which service could not be reached and how to point at another, then exit 1. */
async function put (url, body) {
  try {
    return await fetch(url, { method: 'PUT', headers, body })
  } catch (err) {
    const why = err.cause?.code ?? err.cause?.message ?? err.message
    console.error(`cannot reach the functions service at ${base} (${why}): start it with \`npm start\`, or set FUNCTIONS_URL to its address`)
    process.exit(1)
  }
}

let failed = 0
for (const filePath of await sources(join(root, 'api'))) {
  const name = functionName(filePath)
  const code = await readFile(join(root, filePath), 'utf8')
  const res = await put(`${base}/api/functions/${project}/${name}`, JSON.stringify({ code, file_path: filePath }))
  const body = await res.json().catch(() => ({}))
  if (res.ok) {
    console.log(`${res.status === 201 ? 'created ' : 'replaced'} ${name.padEnd(12)} ${filePath.padEnd(24)} → ${base}/sites/${project}/${filePath.replace(/(\/index)?\.(js|mjs|cjs|ts)$/, '')}`)
  } else {
    failed++
    console.error(`failed   ${name.padEnd(12)} ${filePath.padEnd(24)} ${res.status} ${body.error ?? ''}${body.message ? `: ${body.message}` : ''}`)
  }
}
if (failed > 0) process.exit(1)
console.log(`\nTry: curl -s '${base}/sites/${project}/api/hello?name=Ada'`)
