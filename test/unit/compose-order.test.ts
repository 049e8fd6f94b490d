import { readFileSync } from 'node:fs';
import { parseSync } from '@swc/core';
import { describe, expect, it } from 'vitest';

/**
 * The composition root reads top to bottom: inside composeCore, composeApp and compose, nothing refers to
 * a name declared further down. (A closure that does so compiles, and throws at start-up if it is called
 * during construction — issue 29 found three such cycles.) Bindings are told apart by swc's syntax
 * context, so an inner function's parameter of the same name is not the outer binding.
 */

type Node = { type?: string; span?: { start: number; end: number }; value?: unknown; ctxt?: number };

const isNode = (value: unknown): value is Node & Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The names a pattern binds (identifiers, destructuring), each with its syntax context. */
function boundBy(pattern: unknown): Node[] {
  if (!isNode(pattern)) return [];
  if (pattern.type === 'Identifier') return [pattern];
  if (pattern.type === 'ObjectPattern')
    return (pattern.properties as Node[]).flatMap((p) => {
      const property = p as Record<string, unknown>;
      if (p.type === 'AssignmentPatternProperty') return boundBy(property.key);
      if (p.type === 'KeyValuePatternProperty') return boundBy(property.value);
      return boundBy(property.arg);
    });
  if (pattern.type === 'ArrayPattern') return (pattern.elements as unknown[]).flatMap(boundBy);
  if (pattern.type === 'RestElement') return boundBy(pattern.argument);
  if (pattern.type === 'AssignmentPattern') return boundBy(pattern.left);
  return [];
}

/** Every identifier read or written in a subtree: not property names, object keys or types. */
function referencesIn(node: unknown, found: Node[] = []): Node[] {
  if (Array.isArray(node)) {
    for (const item of node) referencesIn(item, found);
    return found;
  }
  if (!isNode(node)) return found;
  if (node.type?.startsWith('Ts')) return found;
  if (node.type === 'Identifier') {
    found.push(node);
    return found;
  }
  for (const [field, child] of Object.entries(node)) {
    if (field === 'span' || field === 'typeAnnotation' || field === 'typeParameters' || field === 'returnType')
      continue;
    const isName =
      (field === 'property' && node.type === 'MemberExpression') ||
      (field === 'key' &&
        ['KeyValueProperty', 'MethodProperty', 'GetterProperty', 'SetterProperty', 'ClassMethod'].includes(
          node.type ?? '',
        ));
    if (isName && isNode(child) && child.type !== 'Computed') continue;
    referencesIn(child, found);
  }
  return found;
}

interface ForwardReference {
  name: string;
  /** The function whose body refers to it before declaring it. */
  within: string;
}

/** The forward references in the bodies of the named top-level functions of a TypeScript source. */
function forwardReferences(source: string, functions: readonly string[]): ForwardReference[] {
  const module = parseSync(source, { syntax: 'typescript' });
  const problems: ForwardReference[] = [];
  for (const item of module.body as unknown as Record<string, unknown>[]) {
    const declaration = (item.type === 'ExportDeclaration' ? item.declaration : item) as Record<string, unknown>;
    const name = (declaration.identifier as Node | undefined)?.value;
    if (declaration.type !== 'FunctionDeclaration' || typeof name !== 'string' || !functions.includes(name)) continue;
    const statements = (declaration.body as { stmts: (Node & Record<string, unknown>)[] }).stmts;
    /** Each name the body declares at its top level, and where its declaration starts. */
    const declaredAt = new Map<string, number>();
    for (const statement of statements) {
      const bindings =
        statement.type === 'VariableDeclaration'
          ? (statement.declarations as Record<string, unknown>[]).flatMap((d) => boundBy(d.id))
          : statement.type === 'FunctionDeclaration'
            ? [statement.identifier as Node]
            : [];
      for (const binding of bindings)
        declaredAt.set(`${String(binding.value)}#${binding.ctxt}`, statement.span?.start ?? 0);
    }
    for (const reference of referencesIn(statements)) {
      const start = declaredAt.get(`${String(reference.value)}#${reference.ctxt}`);
      if (start !== undefined && (reference.span?.start ?? 0) < start)
        problems.push({ name: String(reference.value), within: name });
    }
  }
  return problems;
}

const COMPOSITION = ['composeCore', 'composeApp', 'compose'] as const;

describe('the composition root', () => {
  it('refers to nothing before it is declared', () => {
    expect(forwardReferences(readFileSync('src/compose.ts', 'utf8'), COMPOSITION)).toEqual([]);
  });

  it('is checked: a closure over a later declaration is caught, an inner parameter of the same name is not', () => {
    const source = `
      export async function composeCore(config: Config) {
        const runner = createRunner({ rotate: (id: string) => rotation.rotate(id) });
        const worker = createWorker({ onDone: (rotation: number) => rotation + 1, config });
        const { rotation } = createRotation(runner.settings, worker);
        function later() { return runner; }
        return { later, key: { rotation: 1 } };
      }`;
    expect(forwardReferences(source, COMPOSITION)).toEqual([{ name: 'rotation', within: 'composeCore' }]);
  });
});
