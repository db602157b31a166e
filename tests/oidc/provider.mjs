// A real OpenID provider for Invider's tests: oidc-provider with test users, one client
// and a groups claim, all given by the test as JSON in the OIDC_TEST_CONFIG variable.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const users = config.users;

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'department'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  // The profile claims go into the ID token itself, as Entra ID and Okta do.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { IdToken: config.idTokenSeconds || 3600 },
  async findAccount(ctx, id) {
    // With "anyone", every other login is a colleague of the DSI (the benchmark's crowd).
    const user = users[id] || (config.anyone ? { name: `Colleague ${id}`, department: 'DSI' } : null);
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
  // The test client is first-party: no consent screen after the login form.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid profile email groups');
    grant.addOIDCClaims(['name', 'given_name', 'family_name', 'department', 'email', 'groups']);
    await grant.save();
    return grant;
  },
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${config.issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
