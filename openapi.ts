import { writeFileSync } from 'node:fs'
import openapiTS, { astToString } from 'openapi-typescript'
import { parse } from 'yaml'
import { buildApp } from './app.js'
import { loadConfig } from './plugins/config.js'

const SPEC_FILE = new URL('./openapi.yaml', import.meta.url)
export const CLIENT_TYPES_FILE = new URL('./test/client/api.d.ts', import.meta.url)

/** The contract the routes are registered with, as YAML. */
export async function renderOpenApi (): Promise<string> {
  const app = await buildApp(loadConfig({ WORKER: 'off', MOCK_VENDORS: 'off', LOG_LEVEL: 'silent', ASYNC_VENDOR_SECRET: 'only-renders-the-spec' }))
  try {
    await app.ready()
    return app.swagger({ yaml: true })
  } finally {
    await app.close()
  }
}

/** Client types generated from the spec by openapi-typescript, as a team consuming the API would. */
export async function renderClientTypes (specYaml: string): Promise<string> {
  const header = '// Generated from openapi.yaml by `npm run openapi`; do not edit.\n'
  return header + astToString(await openapiTS(parse(specYaml)))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = await renderOpenApi()
  writeFileSync(SPEC_FILE, spec)
  writeFileSync(CLIENT_TYPES_FILE, await renderClientTypes(spec))
  console.log('openapi.yaml and test/client/api.d.ts written')
}
