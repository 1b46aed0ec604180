// Docker Compose's variable interpolation, for checking docker-compose.yml's environments with no Compose here:
// `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, `$VAR` and `$$` (a literal $).

/** `value` as Compose would pass it on, given the shell's `env`; a required variable that is missing throws. */
export function interpolate (value: string, env: Record<string, string | undefined>): string {
  return value.replace(/\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (whole, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === '$$') return '$'
      const name = (braced ?? bare) as string
      const value = env[name]
      // With the colon an empty value counts as unset; without it only an absent one does.
      const unset = value === undefined || (colon === ':' && value === '')
      if (!unset) return value
      if (op === '-') return arg ?? ''
      if (op === '?') throw new Error(`${name}: ${arg === '' || arg === undefined ? 'required' : arg}`)
      return ''
    })
}
