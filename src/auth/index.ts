export { loadOrCreateDemoSecret } from './demo-secret.js'
export { assertActsAs, canSee, type Principal, type Role } from './principal.js'
export { createTokenVerifier, type MintOptions, mintToken, type TokenVerifier } from './tokens.js'
