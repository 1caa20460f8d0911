// An independent OpenID provider for the integration tests: panva's node-oidc-provider (OpenID
// Certified), configured as a stranger to Gatehouse: scopes openid/profile/email/offline_access only,
// profile claims at userinfo alone (conformIdTokenClaims), no `orgs` claim, refresh tokens only where
// OIDC Core §11 allows (offline_access with prompt=consent) unless REFRESH_TOKENS=always.
// Usage: node provider.mjs  (PORT, ISSUER, CLIENTS as JSON, REFRESH_TOKENS, ACCESS_TOKEN_TTL from env;
// ACCOUNTS as JSON keyed by login, e.g. {"dana": {"email": "dana@x.test", "email_verified": false, "name": "Dana"}},
// overrides the claims of those logins: everyone else is "Robin <login>", <login>@node-oidc.example, verified).
// Used by the tests (tests/integration/) and by `make run` as Accounts' development upstream provider.
import * as crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = process.env.ISSUER;
const clients = JSON.parse(process.env.CLIENTS);
const accounts = JSON.parse(process.env.ACCOUNTS || '{}');
const refreshAlways = process.env.REFRESH_TOKENS === 'always';
const SUPPORTED = new Set(['openid', 'profile', 'email', 'offline_access']);

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'node-oidc-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  features: {
    devInteractions: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  pkce: { required: () => true },
  // The tenants listen on loopback here, which the default SSRF guard on outgoing calls refuses.
  fetch(url, options) {
    delete options.dispatcher;
    return globalThis.fetch(url, options);
  },
  ttl: { AccessToken: Number(process.env.ACCESS_TOKEN_TTL || 3600) },
  issueRefreshToken: async (ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && (refreshAlways || code.scopes.has('offline_access')),
  async findAccount(ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const defaults = { name: `Robin ${sub}`, email: `${sub}@node-oidc.example`, email_verified: true };
        return { ...defaults, ...(accounts[sub] || {}), sub };
      },
    };
  },
});

// Like the strict hosted providers: an authorization request naming a scope we do not know is refused.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.method === 'GET' && ctx.query.scope) {
    const unknown = String(ctx.query.scope).split(' ').filter((s) => !SUPPORTED.has(s));
    const client = clients.find((c) => c.client_id === ctx.query.client_id);
    if (unknown.length && client && client.redirect_uris.includes(ctx.query.redirect_uri)) {
      const target = new URL(ctx.query.redirect_uri);
      target.searchParams.set('error', 'invalid_scope');
      target.searchParams.set('error_description', `unknown scope: ${unknown.join(' ')}`);
      if (ctx.query.state) target.searchParams.set('state', ctx.query.state);
      target.searchParams.set('iss', issuer);
      ctx.redirect(target.href);
      return;
    }
  }
  await next();
});

// Failures to deliver a logout token are the test's business: say them on stderr.
provider.on('backchannel.error', (ctx, err, client) => console.error(`backchannel to ${client.clientId}: ${err} ${err.cause ?? ""}`));

// Started by `make run` (devtools/upstream.py): stop when that process is gone, however it ended.
if (process.env.PARENT_PID) {
  setInterval(() => {
    try {
      process.kill(Number(process.env.PARENT_PID), 0);
    } catch {
      process.exit(0);
    }
  }, 1000).unref();
}

provider.listen(port, '127.0.0.1', () => {
  console.log('ready');
});
