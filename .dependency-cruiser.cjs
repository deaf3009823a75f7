/**
 * The import direction of README "Layout" and ARCHITECTURE.md, checked by `npm run lint`:
 *
 *   entry points (server.ts, start.ts, openapi.ts, workers/) -> app.ts -> routes/ -> plugins/
 *     -> the Fastify-free core (core/, vendors/ but vendors/mock/) -> nothing of ours
 *
 * A layer may import any layer below it, never one above. The mock vendors (vendors/mock/) stand
 * apart: only what runs them imports them.
 */

const ENTRY = '^(server|start|openapi)\\.ts$|^workers/'
const APP = '^app\\.ts$'
const ROUTES = '^routes/'
const PLUGINS = '^plugins/'
const CORE = '^core/|^vendors/(?!mock/)'
const MOCK = '^vendors/mock/'
/** Tests and benchmarks use the product; the product never uses them. */
const OUTSIDE = '^(test|bench)/'
const FASTIFY = '^node_modules/(fastify|fastify-plugin|@fastify/)'

const never = (name, comment, from, to) => ({ name, comment, severity: 'error', from, to })

module.exports = {
  forbidden: [
    never('no-circular', 'A cycle makes two modules one: move the shared piece down into a module both import.',
      {}, { circular: true }),

    never('app-not-up', 'app.ts builds the plugin graph; the entry points build on it.',
      { path: APP }, { path: ENTRY }),
    never('routes-not-up', 'Routes are registered by app.ts, never the other way.',
      { path: ROUTES }, { path: [APP, ENTRY] }),
    never('plugins-not-up', 'Plugins are Fastify wiring under the routes: a type a plugin and a route share lives in the plugin or the core.',
      { path: PLUGINS }, { path: [ROUTES, APP, ENTRY] }),
    never('core-not-up', 'The core imports nothing of ours outside itself: no plugin, route, app or entry point (nor a mock vendor, below).',
      { path: CORE }, { path: [PLUGINS, ROUTES, APP, ENTRY] }),
    never('core-without-fastify', 'The core is Fastify-free: Fastify and its plugins are wired in plugins/.',
      { path: CORE }, { path: FASTIFY }),
    never('vendors-not-dispatch', 'The vendor client and its configuration are used by the dispatch; what both need lives in a neutral module.',
      { path: '^vendors/' }, { path: '^core/dispatch/' }),
    never('core-knows-no-backend', 'A mode\'s backend is chosen by plugins/backend.ts; the rest of the core works on the interfaces.',
      { path: '^core/(?!backends/)' }, { path: '^core/backends/' }),
    never('backends-implement-backend', 'core/backend.ts is the interface the backends implement: they import its types, never code from it.',
      { path: '^core/backends/' }, { path: '^core/backend\\.ts$', dependencyTypesNot: ['type-only'] }),
    never('mock-only-where-it-runs', 'The mock vendors are loaded only by what runs them: the mock plugin (loaded on demand by app.ts), the mock server, tests and the bench.',
      { path: '.', pathNot: [MOCK, '^plugins/mock-vendors\\.ts$', OUTSIDE] }, { path: MOCK }),
    never('mock-plugin-on-demand', 'app.ts loads the mock plugin with import() only when MOCK_VENDORS=in-process, so no other process loads the mocks.',
      { pathNot: OUTSIDE }, { path: '^plugins/mock-vendors\\.ts$', dependencyTypesNot: ['dynamic-import'] }),
    never('mock-apart', 'The mock vendors are a product of their own beside the service: they may use vendors/ but not the service\'s layers.',
      { path: MOCK }, { path: ['^core/', PLUGINS, ROUTES, APP, ENTRY] }),
    never('product-not-tests', 'Nothing the service runs imports a test or the bench.',
      { pathNot: OUTSIDE }, { path: OUTSIDE }),

    never('not-to-unresolvable', 'An import that resolves to nothing.',
      {}, { couldNotResolve: true }),
    never('no-non-package-json', 'Every package used is declared in package.json.',
      {}, { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] }),
    never('product-not-dev-dep', 'What the service runs (`npm run build`) needs only dependencies: devDependencies are not installed in the image.',
      { path: '^(app|server|start)\\.ts$|^(workers|routes|plugins|core|vendors)/' },
      { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] })
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    // Type-only imports count: a cycle or a wrong direction in the types is one in the design too.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings']
    }
  }
}
