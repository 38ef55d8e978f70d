import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { authorizedFieldNames, PUBLIC_OPERATIONS } from '../../../control-plane/graphql/auth.js';
import { buildTokenByteSchema } from '../../../control-plane/graphql/schema.js';

describe('authorization is deny-by-default', () => {
  it('the public operations are exactly the allowlist: me, signUp, logIn, logOut, privacyPolicy', () => {
    expect([...PUBLIC_OPERATIONS].sort()).toEqual(['Mutation.logIn', 'Mutation.logOut', 'Mutation.signUp', 'Query.me', 'Query.privacyPolicy']);
  });

  it('every other root operation declares who may call it', async () => {
    const schema = await buildTokenByteSchema();
    const authorized = authorizedFieldNames();
    const undeclared: string[] = [];
    for (const type of [schema.getQueryType()!, schema.getMutationType()!]) {
      for (const field of Object.keys(type.getFields())) {
        const key = `${type.name}.${field}`;
        if (!PUBLIC_OPERATIONS.has(key) && !authorized.has(field)) undeclared.push(key);
      }
    }
    expect(undeclared).toEqual([]);
  });
});

describe('schema.graphql', () => {
  it('is generated from the code and committed up to date (run `npm run schema` to update)', async () => {
    const printed = `${printSchema(await buildTokenByteSchema())}\n`;
    const file = new URL('../../../schema.graphql', import.meta.url);
    if (process.env.UPDATE_SCHEMA === '1') await writeFile(file, printed);
    expect(await readFile(file, 'utf8')).toBe(printed);
  });

  it('describes every type and field', async () => {
    const schema = await buildTokenByteSchema();
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Boolean', 'Int', 'Float', 'ID'].includes(type.name)) continue;
      const isRoot = type === schema.getQueryType() || type === schema.getMutationType();
      if (!type.description && !isRoot) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) if (!field.description) missing.push(`${type.name}.${field.name}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
