// The local profile: the four apps plus an SQS-compatible and an S3-compatible server, with the
// variables of config/local.env (values already in the environment win). `npm start` runs this.
const fs = require("node:fs");
const path = require("node:path");
const { parseEnv } = require("node:util");

const root = path.resolve(__dirname, "..");
const fileEnv = parseEnv(fs.readFileSync(path.join(__dirname, "local.env"), "utf8"));
const localEnv = Object.fromEntries(Object.entries(fileEnv).map(([k, v]) => [k, process.env[k] ?? v]));
const { app, apps } = require(path.join(root, "ecosystem.config.js"));

// The development servers live in dev/, outside the product (and its image).
const server = (name, extra = {}) => app(name, { script: path.join(root, "dist/dev", name, "main.js"), ...extra });
const servers = [server("local-sqs"), server("local-s3", { node_args: ["--openssl-legacy-provider"] })];

module.exports = {
  apps: [...servers, ...apps].map((a) => ({ ...a, env: { ...a.env, ...localEnv, NODE_ENV: "development" } })),
};
