// osls plugin: a package (and so a deploy) is built from the sources and carries a valid config, or it is
// refused. Without it, `osls package` in a fresh clone zips the config alone and prints "Service packaged".
'use strict';

const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
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
