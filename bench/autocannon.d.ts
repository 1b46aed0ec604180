// The few parts of autocannon's API the bench uses (the package ships no types).
declare module 'autocannon' {
  interface Options {
    url: string
    method?: string
    headers?: Record<string, string>
    body?: string
    connections?: number
    duration?: number
    pipelining?: number
    /** Each connection sends these in turn, over and over (path and method per request). */
    requests?: Array<{ method?: string, path?: string, headers?: Record<string, string>, body?: string, setupRequest?: (req: { path?: string }) => { path?: string } }>
  }
  interface Histogram { average: number, mean: number, p50: number, p99: number, max: number, stddev: number }
  interface Result {
    requests: Histogram & { total: number }
    latency: Histogram
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
  }
  function autocannon (opts: Options): Promise<Result>
  export default autocannon
}
