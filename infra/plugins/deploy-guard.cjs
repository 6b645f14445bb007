// osls plugin: a package (and so a deploy) is built from the sources and carries a valid config, or it is
// refused. Without it, `osls package` in a fresh clone zips the config alone and prints "Service packaged".
'use strict';

const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { isAbsolute, join, relative, resolve, sep } = require('node:path');

class DeployGuard {
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = (text) => (utils?.log ? utils.log.notice(text) : serverless.cli.log(text));
    this.hooks = { 'before:package:createDeploymentArtifacts': () => this.guard() };
  }

  guard() {
    const root = this.serverless.serviceDir;
    const configFile = this.configFile();
    this.checkConfigPlace(root, configFile);
    this.build(root);
    this.validate(root, configFile);
    this.checkKeyless(root, configFile);
  }

  /**
   * With credentials=oidc the function has no secret: every account the config uses must get its credentials
   * through AWS STS, for the one audience the function's role may ask for.
   */
  checkKeyless(root, configFile) {
    const { credentials, oidcAudience } = this.serverless.service.custom ?? {};
    if (credentials !== 'secret' && credentials !== 'oidc') {
      this.refuse(`the credentials param must be "secret" or "oidc", not "${credentials}"`);
    }
    if (credentials !== 'oidc') return;
    const config = JSON.parse(readFileSync(join(root, configFile), 'utf8'));
    const entries = [...(config.instances ?? []), ...(config.fleets ?? [])];
    for (const account of new Set(entries.map((entry) => entry.account ?? 'default'))) {
      const source = config.accounts?.[account];
      const audience = source?.source === 'oidc' ? source.idToken?.awsWebIdentity?.audience : undefined;
      if (audience !== oidcAudience) {
        this.refuse(
          `credentials=oidc: the function has no secret, so account "${account}" of ${configFile} must take ` +
            `{"source": "oidc", …, "idToken": {"awsWebIdentity": {"audience": "${oidcAudience}"}}} in "accounts" ` +
            '(the only audience its role may ask AWS STS for; docs/credentials.md)',
        );
      }
    }
  }

  /** The function's CLEANUP_CONFIG_PATH, which is the configFile param resolved. */
  configFile() {
    const functions = Object.values(this.serverless.service.functions ?? {});
    const path = functions.map((fn) => fn.environment?.CLEANUP_CONFIG_PATH).find(Boolean);
    if (!path) this.refuse('the function has no CLEANUP_CONFIG_PATH: set the configFile param');
    return String(path);
  }

  /** Inside the service directory and present: it is zipped at this path and read there by the function. */
  checkConfigPlace(root, configFile) {
    const inside = relative(root, resolve(root, configFile));
    if (isAbsolute(configFile) || inside.startsWith(`..${sep}`) || inside === '..') {
      this.refuse(
        `configFile ${configFile} is outside the service directory: the function would look for it at that ` +
          'path inside its bundle. Put it in the repository (e.g. infra/config/) and pass its relative path.',
      );
    }
    if (!existsSync(join(root, configFile))) {
      this.refuse(`configFile ${configFile} does not exist (looked in ${root})`);
    }
  }

  /** Always from the sources: a stale or missing dist/ can never be shipped. */
  build(root) {
    this.log('deploy guard: building the bundle (npm run build)');
    const result = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0 || !existsSync(join(root, 'dist', 'handler.js'))) {
      this.refuse(
        `the build failed, so nothing was packaged. Run \`npm ci && npm run build\` and read its errors.\n${result.stderr ?? ''}`,
      );
    }
  }

  /** The same check and messages as `dcs-task-cleanup validate`. */
  validate(root, configFile) {
    // Text, not the JSON lines a pipe gets by default: the messages go to the operator as they are.
    const args = ['dist/cli.js', 'validate', '--config', configFile, '--log-format', 'pretty'];
    const result = spawnSync(process.execPath, args, {
      cwd: root,
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      this.refuse(`configFile ${configFile} is not valid:\n${result.stderr || result.stdout}`);
    }
    this.log(`deploy guard: ${result.stdout.trim()}`);
  }

  refuse(message) {
    throw new this.serverless.classes.Error(`deploy guard: ${message}`);
  }
}

module.exports = DeployGuard;
