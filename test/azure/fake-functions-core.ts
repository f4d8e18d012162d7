// A stand-in for `@azure/functions-core`, the module the Functions host injects into the Node
// worker. Outside the host, @azure/functions runs in "test mode" and silently registers nothing;
// with this fake in place (a Module._load hook, installed before @azure/functions is first
// loaded) every app.http/storageQueue/timer call and hook is captured, and the handlers can be
// invoked with the package's own HttpRequest and InvocationContext.
import Module from 'node:module';

export interface BindingInfo {
  type: string;
  direction: 'in' | 'out';
  [key: string]: unknown;
}

export interface Registration {
  name: string;
  bindings: Record<string, BindingInfo>;
  handler: (...args: unknown[]) => unknown;
}

export interface FakeCore {
  registrations: Map<string, Registration>;
  hooks: Map<string, ((context: unknown) => unknown)[]>;
  logs: { level: string; category: string; message: string }[];
  programmingModel: unknown;
}

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

let installed: FakeCore | null = null;

/** Installs the fake once per process (the package caches the core API on first use). */
export function installFakeFunctionsCore(): FakeCore {
  if (installed) return installed;
  const core: FakeCore = { registrations: new Map(), hooks: new Map(), logs: [], programmingModel: null };
  const api = {
    registerFunction(metadata: { name: string; bindings: Record<string, BindingInfo> }, handler: Registration['handler']) {
      if (core.registrations.has(metadata.name)) throw new Error(`function ${metadata.name} registered twice`);
      core.registrations.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, handler });
      return { dispose: () => core.registrations.delete(metadata.name) };
    },
    setProgrammingModel(model: unknown) {
      core.programmingModel = model;
    },
    registerHook(name: string, cb: (context: unknown) => unknown) {
      const list = core.hooks.get(name) ?? [];
      list.push(cb);
      core.hooks.set(name, list);
      return { dispose: () => list.splice(list.indexOf(cb), 1) };
    },
    log(level: string, category: string, message: string) {
      core.logs.push({ level, category, message });
    },
  };
  const mod = Module as unknown as { _load: Load };
  const original = mod._load;
  mod._load = function (request, parent, isMain) {
    if (request === '@azure/functions-core') return api;
    return original.call(this, request, parent, isMain);
  };
  installed = core;
  return core;
}

/** The trigger binding of a registration (the one binding with direction "in" and a *Trigger type). */
export function triggerOf(r: Registration): BindingInfo {
  const t = Object.values(r.bindings).find((b) => b.direction === 'in' && b.type.endsWith('Trigger'));
  if (!t) throw new Error(`${r.name} has no trigger binding`);
  return t;
}
