// The schema as a contract: the committed SDL and generated client files match the code, and every
// part of the graph is documented.
import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isScalarType,
  isSpecifiedScalarType,
  type GraphQLNamedType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import config from '../codegen.js';
import { schema } from '../schema/index.js';

/** Federation's own machinery (`_Any`, `_entities`, `link__Import`, ...), specified and described by Apollo. */
const isFederationMachinery = (name: string) => name.startsWith('_') || name.startsWith('link__') || name === 'FieldSet';

describe('schema', () => {
  it('matches every file `npm run codegen` writes (run it after changing the schema or the operations)', async () => {
    const outputs: { filename: string; content: string }[] = await generate({ ...config, silent: true }, false);
    expect(outputs.map((output) => output.filename).sort()).toEqual([
      'examples/frontend/generated/gql.ts',
      'examples/frontend/generated/graphql.ts',
      'examples/frontend/generated/index.ts',
      'examples/frontend/generated/persisted-documents.json',
      'schema/schema.graphql',
    ]);
    for (const output of outputs) {
      const committed = await readFile(new URL(`../${output.filename}`, import.meta.url), 'utf8');
      expect(committed, `${output.filename} is stale`).toBe(output.content);
    }
  });

  it('describes every type, field, argument and enum value', () => {
    const missing: string[] = [];
    const types = Object.values(schema.getTypeMap()).filter(
      (type: GraphQLNamedType) =>
        !isIntrospectionType(type) && !(isScalarType(type) && isSpecifiedScalarType(type)) && !isFederationMachinery(type.name),
    );
    for (const type of types) {
      if (!type.description) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (isFederationMachinery(field.name)) continue;
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each([
    ['AwsBackupJob', 'backupSizeInBytes'],
    ['AwsBackupJob', 'bytesTransferred'],
    ['AwsBackupJob', 'numberOfChildJobs'],
    ['AwsChildJobStateCount', 'count'],
    ['AwsRecoveryPointLifecycle', 'moveToColdStorageAfterDays'],
    ['AwsRecoveryPointLifecycle', 'deleteAfterDays'],
  ])('types %s.%s, a Long in the AWS model, as SafeInt rather than 32-bit Int', (typeName, fieldName) => {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
    expect(getNamedType(type.getFields()[fieldName]!.type).name).toBe('SafeInt');
  });

  it("spells messageCategory's examples as the AWS model does (AccessDenied, not ACCESS_DENIED)", () => {
    const type = schema.getType('AwsBackupJob');
    if (!isObjectType(type)) throw new Error('AwsBackupJob is not an object type');
    const examples = [...type.getFields().messageCategory!.description!.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    expect(examples).toEqual(['SUCCESS', 'AccessDenied', 'InvalidParameters']);
  });
});
