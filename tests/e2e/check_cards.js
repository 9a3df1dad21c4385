// Reads Adaptive Cards with the `adaptivecards` package, the renderer Teams' web client uses, the
// way Teams reads them: schema 1.5 at most, six actions in a row. Used by
// tests/cards/test_every_card.py, which runs it once for all cards.
//
// stdin: {"<sample id>": <card JSON>, ...}
// stdout: {"<sample id>": ["<problem>", ...], ...}; an empty list for a card with no problem.
// A problem is any event of card.parse() (an invalid value, an unknown element or action, an
// element or property newer than 1.5), any event of card.validateProperties() (a duplicate input
// id, a card version above 1.5, too many actions, a required input without an error message), or
// a property the parser would silently ignore (a typo such as "wrapp"), which it does not report.
"use strict";

const fs = require("node:fs");

let AC;
try {
  // The bundled build: the package's ESM lib/ cannot be required from Node, and needs no DOM.
  AC = require("adaptivecards/dist/adaptivecards.js");
} catch (error) {
  console.error(`the adaptivecards package is missing (cd tests/e2e && npm ci): ${error.message}`);
  process.exit(2);
}

const TEAMS_VERSION = AC.Versions.v1_5;
// A card that says "version": "1.6" must fail validation: Teams renders 1.5 at most.
AC.SerializableObject.defaultMaxVersion = TEAMS_VERSION;
// Teams shows six actions in a row (the Teams host config of Microsoft's Adaptive Cards designer);
// the package's default of five is another host's.
const TEAMS_HOST = new AC.HostConfig({ actions: { maxActions: 6 } });
// Keys the parser reads outside each type's schema, and Teams' own extension of the card.
const STRUCTURE = new Set(["body", "items", "columns", "actions", "card", "fallback", "inlines", "pages", "msteams"]);

function describe(event) {
  const what = AC.ValidationEvent[event.event] ?? String(event.event);
  const type = event.source?.getJsonTypeName?.();
  return `${what}${type ? ` in ${type}` : ""}: ${event.message}`;
}

function knownProperties(type) {
  const instance =
    type === "AdaptiveCard"
      ? new AC.AdaptiveCard()
      : (AC.GlobalRegistry.elements.createInstance(type, TEAMS_VERSION) ??
        AC.GlobalRegistry.actions.createInstance(type, TEAMS_VERSION));
  if (!instance) {
    return undefined; // an unknown type: parse() reports it
  }
  const schema = instance.getSchema();
  const names = new Set(STRUCTURE);
  for (let i = 0; i < schema.getCount(); i++) {
    names.add(schema.getItemAt(i).name);
  }
  return names;
}

function ignoredProperties(node, found) {
  if (Array.isArray(node)) {
    node.forEach((item) => ignoredProperties(item, found));
  } else if (node && typeof node === "object") {
    const known = typeof node.type === "string" ? knownProperties(node.type) : undefined;
    for (const [key, value] of Object.entries(node)) {
      if (known && !known.has(key)) {
        found.push(`UnknownProperty in ${node.type}: "${key}" is not a property, so it is ignored.`);
      }
      if (key !== "data") {
        ignoredProperties(value, found); // an action's data is the bot's own payload
      }
    }
  }
  return found;
}

function problems(json) {
  const card = new AC.AdaptiveCard();
  card.hostConfig = TEAMS_HOST;
  const context = new AC.SerializationContext(TEAMS_VERSION);
  card.parse(json, context);
  const found = [];
  for (let i = 0; i < context.eventCount; i++) {
    found.push(describe(context.getEventAt(i)));
  }
  for (const event of card.validateProperties().validationEvents) {
    found.push(describe(event));
  }
  return ignoredProperties(json, found);
}

const cards = JSON.parse(fs.readFileSync(0, "utf8"));
const report = {};
for (const [id, json] of Object.entries(cards)) {
  report[id] = problems(json);
}
process.stdout.write(JSON.stringify(report));
