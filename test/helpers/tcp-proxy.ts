import net from 'node:net'

/** A loopback TCP proxy a test can cut and restore, to take a real backend away from the service and give it back. */
export interface TcpProxy {
  port: number
  /** Stops listening and drops every proxied connection: the backend is unreachable. */
  cut (): Promise<void>
  /** Listens again on the same port. */
  restore (): Promise<void>
  close (): Promise<void>
}

export async function startTcpProxy (target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host)
    sockets.add(client)
    sockets.add(upstream)
    const drop = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream).pipe(client)
  })
  const listen = (port: number): Promise<number> => new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => { resolve((server.address() as net.AddressInfo).port) })
  })
  const port = await listen(0)
  const stop = (): Promise<void> => new Promise((resolve) => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    if (server.listening) server.close(() => { resolve() })
    else resolve()
  })
  return { port, cut: stop, restore: async () => { await listen(port) }, close: stop }
}
