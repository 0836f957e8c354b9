// A second, independent OpenID Connect provider for motcua's e-ID login tests: panva's
// oidc-provider (OpenID Certified), configured as the national e-ID would be — the code
// flow with PKCE, and the citizen's profile (name, birth date, personal ID number) only at
// the UserInfo endpoint, never in the ID token (`conformIdTokenClaims`, OIDC Core §5.4).
//
//   node provider.js <state.json>
//
// Listens on a free port of 127.0.0.1 and prints one JSON line, {"issuer": "http://127.0.0.1:<port>"},
// once it serves. state.json is read again at every request, so a test changes what the provider
// says between two logins:
//   {"client_origin": "http://127.0.0.1:<port of motcua>",
//    "accounts": {"<sub>": {"name": ..., "birthdate": ..., "personal_id": ...}},
//    "userinfo_sub": null | "<another sub, to make UserInfo describe someone else>"}
// The sign-in is oidc-provider's development form: any account of state.json, any password.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const CLIENT_ID = 'motcua-portal';
const statePath = process.argv[2];
const state = () => JSON.parse(readFileSync(statePath, 'utf8'));

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', use: 'sig', alg: 'RS256' };

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const origin = state().client_origin;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none', // a public client: PKCE alone, as motcua's default
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [`${origin}/oidc/callback/`],
      post_logout_redirect_uris: [`${origin}/`],
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'birthdate', 'personal_id'] },
    conformIdTokenClaims: true, // profile claims only from UserInfo in the code flow
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    async findAccount(ctx, sub) {
      const account = state().accounts[sub];
      if (!account) return undefined;
      return { accountId: sub, async claims() { return { sub, ...account }; } };
    },
    // The portal is the provider's trusted client, as at VNeID: no consent screen.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope('openid profile');
      await grant.save();
      return grant;
    },
  });
  // A provider gone wrong, on demand: UserInfo about another person than the ID token's.
  provider.use(async (ctx, next) => {
    await next();
    const other = state().userinfo_sub;
    if (other && ctx.path === '/me' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, sub: other };
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
