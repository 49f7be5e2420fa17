/**
 * Walks the public surface of `src/index.ts` (each `tfa.<namespace>` and its
 * re-exports) with the TypeScript compiler and reports, per exported name,
 * whether its declaration carries a doc comment and an `@example`.
 */
import * as path from 'path';
import * as ts from 'typescript';

import {ROOT} from './snippets';

export interface ExportDoc {
  /** e.g. `layers.bsplineKAN`. */
  name: string;
  kind: 'value' | 'type';
  hasDoc: boolean;
  hasExample: boolean;
}

function docOf(decl: ts.Declaration): {hasDoc: boolean; hasExample: boolean} {
  const tagged = ts.getJSDocCommentsAndTags(decl);
  const text = tagged.map(d => d.getText()).join('\n');
  return {hasDoc: tagged.length > 0 && text.replace(/[/*\s]/g, '').length > 0, hasExample: /@example/.test(text)};
}

/** The documentation state of every exported name reachable from src/index.ts. */
export function publicExports(): ExportDoc[] {
  const entry = path.join(ROOT, 'src', 'index.ts');
  const program = ts.createProgram([entry], {strict: true, skipLibCheck: true, esModuleInterop: true});
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const out: ExportDoc[] = [];
  const visit = (sym: ts.Symbol, prefix: string): void => {
    for (const exp of checker.getExportsOfModule(sym)) {
      const target = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const name = prefix + exp.getName();
      if (
        target.flags & ts.SymbolFlags.ValueModule &&
        target.valueDeclaration &&
        ts.isSourceFile(target.valueDeclaration)
      ) {
        visit(target, `${name}.`);
        continue;
      }
      const decls = target.getDeclarations() ?? [];
      if (decls.length === 0) continue;
      const isValue = (target.flags & ts.SymbolFlags.Value) !== 0;
      const docs = decls.map(docOf);
      out.push({
        name,
        kind: isValue ? 'value' : 'type',
        hasDoc: docs.some(d => d.hasDoc),
        hasExample: docs.some(d => d.hasExample),
      });
    }
  };
  visit(module, '');
  return out;
}
