// oidc-provider (panva; an OpenID Certified provider) started on 127.0.0.1 as the peer of the
// core's login in interop tests. Prints one JSON line {"issuer": ...} and runs until its stdin
// closes (so a test can never leave it behind) or it gets SIGTERM.
//
// Configuration mirrors what CLUB Panasonic ID offers the app: a public native client (no
// secret), PKCE required (S256), the app's custom-scheme redirect (also after logout),
// revocation, userinfo and RP-initiated logout. Everything else is the library's default — a
// refresh token only for offline_access asked with prompt=consent (OpenID Connect Core §11), and
// rotated for a public client — because a peer tuned to please the client hides exactly the bugs
// a real provider shows. devInteractions gives plain HTML login/consent forms that a test can
// post like a user.
//
// Environment: ACCESS_TOKEN_TTL (seconds, default 3600); ROTATE_REFRESH_TOKEN=always rotates on
// every refresh whatever the library's default would decide.
//
// After the issuer line, standard output carries one JSON line per token grant, for tests to
// check which refresh token the client sent: {"grant":"refresh_token","presented":"<sha256>",
// "issued":"<sha256>"|null,"status":200} (hashes, never the tokens; "issued" by code exchanges too).
import http from 'node:http';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';

// Standard output carries only the JSON lines said above: the library's notices (console.info)
// go to standard error, and the warnings it always prints for this deliberate test set-up (Node 20
// instead of 22, the in-memory adapter, devInteractions) are dropped. Anything else still shows.
const expected = ['Unsupported runtime', 'in-memory adapter', 'devInteractions is enabled'];
const warn = console.warn.bind(console);
console.warn = (...args) => {
  if (!expected.some((w) => String(args[0]).includes(w))) warn(...args);
};
const print = process.stdout.write.bind(process.stdout);
console.info = console.log = (...args) => console.error(...args);

const { default: Provider } = await import('oidc-provider');

const accessTokenTtl = Number(process.env.ACCESS_TOKEN_TTL || 3600);
if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
  console.error(`ACCESS_TOKEN_TTL must be a whole number of seconds, not ${process.env.ACCESS_TOKEN_TTL}`);
  process.exit(2);
}

// A fresh signing key per start, instead of oidc-provider's development keys.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'interop-rs256', use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    {
      client_id: 'smarthems-app',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['jp.co.panasonic.smarthems:/oauth2redirect'],
      post_logout_redirect_uris: ['jp.co.panasonic.smarthems:/oauth2redirect'],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    // Only the token's own client may revoke it (the library's default, stated to silence its notice).
    revocation: { enabled: true, allowedPolicy: async (ctx, client, token) => token.clientId === client.clientId },
    userinfo: { enabled: true },
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
  ...(process.env.ROTATE_REFRESH_TOKEN === 'always' ? { rotateRefreshToken: true } : {}),
  // The library's default lifetimes, stated (each default prints a notice), but for access tokens.
  ttl: {
    AccessToken: accessTokenTtl,
    IdToken: 3600,
    Interaction: 3600,
    RefreshToken: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    Session: 14 * 24 * 3600,
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: 'パナソニック 太郎', email: id }),
  }),
};

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration);
  provider.on('server_error', (ctx, error) => console.error('server_error', error));
  const hash = (token) => (token ? createHash('sha256').update(token).digest('hex') : null);
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== 'POST' || !ctx.path.endsWith('/token')) return;
    const params = ctx.oidc?.params ?? {};
    const line = {
      grant: params.grant_type ?? null,
      presented: hash(params.refresh_token),
      issued: hash(ctx.body?.refresh_token),
      status: ctx.status,
    };
    print(`${JSON.stringify(line)}\n`);
  });
  server.on('request', provider.callback());
  print(`${JSON.stringify({ issuer })}\n`);
});

// Nothing to flush (the in-memory adapter): exit at once, even with connections still open.
const stop = () => process.exit(0);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
