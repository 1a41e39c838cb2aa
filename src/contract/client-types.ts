import openapiTS, { astToString } from 'openapi-typescript'

/** The typed client's declarations, generated from the spec text (openapi-typescript). */
export async function clientTypes(specText: string): Promise<string> {
  const ast = await openapiTS(specText)
  return `// Generated from openapi/v1.json by \`npm run spec\`. Do not edit.\n${astToString(ast)}`
}
