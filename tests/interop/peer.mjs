// A real Fedify ActivityPub peer for Commonroom's interop tests.
//
//   node peer.mjs PORT [--actor NAME]
//
// Serves one actor (default "alice") on http://127.0.0.1:PORT with Fedify doing all the
// ActivityPub work (WebFinger, actor, keys, inbox signature verification, signing and
// delivery), plus plain-JSON test hooks under /_ (see README.md).  Everything is kept in
// memory.  Prints "READY http://127.0.0.1:PORT" on stdout once listening; exits on SIGTERM.
//
// Environment (all optional):
//   FEDIFY_PEER_PORT         port when not given as the first argument (also PORT)
//   FEDIFY_PEER_ACTOR        actor name when --actor is not given (default "alice")
//   FEDIFY_PEER_LOG_LEVEL    LogTape level for Fedify's logs (default "warning")
//   FEDIFY_PEER_FIRST_KNOCK  "rfc9421" (default) or "draft-cavage-http-signatures-12"
//   FEDIFY_PEER_KEYS         "rsa,ed25519" (default) or "rsa" (no Object Integrity Proofs)

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

// ---------------------------------------------------------------------------------------
// Configuration

function parseArgs(argv) {
  const out = { port: null, actor: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--actor") out.actor = argv[++i];
    else if (arg.startsWith("--actor=")) out.actor = arg.slice("--actor=".length);
    else if (arg === "--port") out.port = argv[++i];
    else if (out.port == null) out.port = arg;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const PORT = Number.parseInt(
  args.port ?? process.env.FEDIFY_PEER_PORT ?? process.env.PORT ?? "",
  10,
);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
  console.error("usage: node peer.mjs PORT [--actor NAME]");
  process.exit(2);
}
const ACTOR = args.actor ?? process.env.FEDIFY_PEER_ACTOR ?? "alice";
if (!/^[a-z0-9_]+$/i.test(ACTOR)) {
  console.error(`invalid actor name: ${ACTOR}`);
  process.exit(2);
}
const HOST = "127.0.0.1";
const ORIGIN = `http://${HOST}:${PORT}`;
const LOG_LEVEL = process.env.FEDIFY_PEER_LOG_LEVEL ?? "warning";
const FIRST_KNOCK = process.env.FEDIFY_PEER_FIRST_KNOCK ?? "rfc9421";
const KEY_KINDS = (process.env.FEDIFY_PEER_KEYS ?? "rsa,ed25519")
  .split(",")
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);

// The package does not export ./package.json: find it above its entry point.
const FEDIFY_VERSION = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.resolve("@fedify/fedify")), "utf8"),
).version;

const INBOX_PATH = "/users/{identifier}/inbox";
const SHARED_INBOX_PATH = "/inbox";
const MAX_LOG = 2000;

// ---------------------------------------------------------------------------------------
// Outgoing HTTP log.  Wrapped before Fedify is imported so every request it makes (actor and
// key fetches, WebFinger, deliveries, both knocks of a double-knock) is seen.

const outgoing = [];
const originalFetch = globalThis.fetch;

function signatureInfo(headers) {
  const input = headers.get("signature-input");
  if (input != null) {
    const keyId = /keyid="([^"]*)"/i.exec(input)?.[1] ?? null;
    return { scheme: "rfc9421", keyId };
  }
  const sig = headers.get("signature");
  if (sig != null) {
    const keyId = /keyId="([^"]*)"/.exec(sig)?.[1] ?? null;
    return { scheme: "draft-cavage", keyId };
  }
  if (headers.get("authorization")?.startsWith("Signature ")) {
    const keyId = /keyId="([^"]*)"/.exec(headers.get("authorization"))?.[1] ?? null;
    return { scheme: "draft-cavage", keyId };
  }
  return { scheme: "none", keyId: null };
}

function pushCapped(list, item) {
  list.push(item);
  if (list.length > MAX_LOG) list.splice(0, list.length - MAX_LOG);
}

globalThis.fetch = async function loggedFetch(input, init) {
  let method;
  let url;
  let headers;
  if (input instanceof Request) {
    method = init?.method ?? input.method;
    url = input.url;
    headers = new Headers(init?.headers ?? input.headers);
  } else {
    method = init?.method ?? "GET";
    url = String(input);
    headers = new Headers(init?.headers ?? {});
  }
  const entry = {
    method: method.toUpperCase(),
    url,
    signature: signatureInfo(headers),
    status: null,
    error: null,
    at: new Date().toISOString(),
  };
  pushCapped(outgoing, entry);
  try {
    const response = await originalFetch(input, init);
    entry.status = response.status;
    return response;
  } catch (error) {
    entry.error = String(error?.message ?? error);
    throw error;
  }
};

// Imported only now, so that the wrapper above is in place first.
const { configure, getConsoleSink } = await import("@logtape/logtape");
const { Temporal } = await import("@js-temporal/polyfill");
const {
  createExponentialBackoffPolicy,
  createFederation,
  generateCryptoKeyPair,
  InProcessMessageQueue,
  MemoryKvStore,
  SendActivityError,
} = await import("@fedify/fedify");
const {
  Accept,
  Activity,
  Announce,
  Create,
  Delete,
  Endpoints,
  Follow,
  isActor,
  Like,
  Mention,
  Note,
  Person,
  PUBLIC_COLLECTION,
  Reject,
  Tombstone,
  Undo,
  Update,
} = await import("@fedify/vocab");

await configure({
  contextLocalStorage: new AsyncLocalStorage(),
  sinks: { console: getConsoleSink() },
  loggers: [
    { category: "fedify", sinks: ["console"], lowestLevel: LOG_LEVEL },
    { category: ["logtape", "meta"], sinks: ["console"], lowestLevel: "warning" },
  ],
});

// ---------------------------------------------------------------------------------------
// In-memory state

const received = []; // verified activities, in arrival order (newest last)
const unverified = []; // activities Fedify refused because no signature/proof verified
const inboxLog = []; // every POST to an inbox, with its signature scheme and our status
const outboxErrors = []; // failed deliveries (queued sends)
const inboxErrors = []; // errors thrown inside inbox listeners
const sent = []; // activities alice sent through the hooks and listeners
const inboxMeta = new Map(); // activity id -> { raw, signature } of the latest inbox POST
const followers = new Map(); // follower actor id -> { id, inboxId, sharedInbox, followId }
const following = new Map(); // target actor id -> { target, followId, follow, state }
const notes = new Map(); // note uuid -> Note
const noteRecipients = new Map(); // note uuid -> extra recipients (mentioned actors)
const creates = []; // Create activities alice sent, for her outbox

const keyPairs = [];
for (const kind of KEY_KINDS) {
  if (kind === "rsa") keyPairs.push(await generateCryptoKeyPair("RSASSA-PKCS1-v1_5"));
  else if (kind === "ed25519") keyPairs.push(await generateCryptoKeyPair("Ed25519"));
  else throw new Error(`unknown key kind in FEDIFY_PEER_KEYS: ${kind}`);
}
if (!KEY_KINDS.includes("rsa")) throw new Error("FEDIFY_PEER_KEYS must include rsa");

// ---------------------------------------------------------------------------------------
// Federation

const retryPolicy = createExponentialBackoffPolicy({
  initialDelay: { milliseconds: 500 },
  maxDelay: { seconds: 4 },
  maxAttempts: 5,
  jitter: false,
});

const federation = createFederation({
  kv: new MemoryKvStore(),
  queue: new InProcessMessageQueue(),
  origin: ORIGIN,
  allowPrivateAddress: true,
  firstKnock: FIRST_KNOCK,
  outboxRetryPolicy: retryPolicy,
  inboxRetryPolicy: retryPolicy,
  circuitBreaker: false,
  userAgent: { software: `CommonroomInteropPeer/${FEDIFY_VERSION}` },
  onOutboxError: (error, activity) => {
    pushCapped(outboxErrors, {
      error: String(error?.message ?? error),
      inbox: error instanceof SendActivityError ? error.inbox.href : null,
      status: error instanceof SendActivityError ? error.statusCode : null,
      body: error instanceof SendActivityError ? error.responseBody : null,
      activityId: activity?.id?.href ?? null,
      type: activity == null ? null : typeName(activity, null),
      at: new Date().toISOString(),
    });
  },
});

function actorUri(ctx) {
  return ctx.getActorUri(ACTOR);
}

federation
  .setActorDispatcher("/users/{identifier}", async (ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    const keys = await ctx.getActorKeyPairs(identifier);
    return new Person({
      id: ctx.getActorUri(identifier),
      preferredUsername: identifier,
      name: `${identifier[0].toUpperCase()}${identifier.slice(1)} (Fedify ${FEDIFY_VERSION})`,
      summary: "A Fedify peer used by Commonroom's interop tests.",
      url: ctx.getActorUri(identifier),
      inbox: ctx.getInboxUri(identifier),
      outbox: ctx.getOutboxUri(identifier),
      followers: ctx.getFollowersUri(identifier),
      following: ctx.getFollowingUri(identifier),
      endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
      manuallyApprovesFollowers: false,
      discoverable: true,
      publicKey: keys[0].cryptographicKey,
      assertionMethods: keys.map((k) => k.multikey),
    });
  })
  .mapHandle((_ctx, username) => (username === ACTOR ? ACTOR : null))
  .setKeyPairsDispatcher((_ctx, identifier) => (identifier === ACTOR ? keyPairs : []));

federation
  .setFollowersDispatcher("/users/{identifier}/followers", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    return {
      items: [...followers.values()].map((f) => ({
        id: new URL(f.id),
        inboxId: f.inboxId == null ? null : new URL(f.inboxId),
        endpoints: { sharedInbox: f.sharedInbox == null ? null : new URL(f.sharedInbox) },
      })),
    };
  })
  .setCounter((_ctx, identifier) => (identifier === ACTOR ? followers.size : null));

federation
  .setFollowingDispatcher("/users/{identifier}/following", (_ctx, identifier) => {
    if (identifier !== ACTOR) return null;
    return {
      items: [...following.values()]
        .filter((f) => f.state === "accepted")
        .map((f) => new URL(f.target)),
    };
  });

federation.setOutboxDispatcher("/users/{identifier}/outbox", (_ctx, identifier) => {
  if (identifier !== ACTOR) return null;
  return { items: [...creates].reverse() };
});

federation.setObjectDispatcher(Note, "/users/{identifier}/posts/{id}", (_ctx, values) => {
  if (values.identifier !== ACTOR) return null;
  return notes.get(values.id) ?? null;
});

async function record(ctx, activity) {
  const id = activity.id?.href ?? null;
  const meta = id == null ? undefined : inboxMeta.get(id);
  let json = null;
  try {
    json = await activity.toJsonLd({ format: "compact", contextLoader: ctx.contextLoader });
  } catch (error) {
    json = { error: `toJsonLd failed: ${error?.message ?? error}` };
  }
  const entry = {
    type: typeName(activity, json),
    id,
    actor: activity.actorId?.href ?? null,
    object: activity.objectId?.href ?? null,
    // Fedify calls inbox listeners only for activities it verified: an HTTP Signature
    // (RFC 9421 or draft-cavage) whose key the actor owns, an Object Integrity Proof, or a
    // Linked Data Signature.  Refused ones go to /_unverified instead.
    verified: true,
    inbox: ctx.recipient ?? "shared",
    signature: meta?.signature ?? null,
    hasProof: meta?.raw != null && meta.raw.proof != null,
    hasLdSignature: meta?.raw != null && meta.raw.signature != null,
    activity: json,
    raw: meta?.raw ?? null,
    receivedAt: new Date().toISOString(),
  };
  pushCapped(received, entry);
  return entry;
}

/** The activity's type as written on the wire ("Create", "EmojiReact", …). */
function typeName(activity, json) {
  const t = json?.type;
  if (typeof t === "string") return t;
  if (Array.isArray(t) && typeof t[0] === "string") return t[0];
  return activity.constructor.name;
}

function newId(kind) {
  return new URL(`/users/${ACTOR}/${kind}/${randomUUID()}`, ORIGIN);
}

function recipientOf(actor) {
  return {
    id: actor.id?.href ?? null,
    inboxId: actor.inboxId?.href ?? null,
    sharedInbox: actor.endpoints?.sharedInbox?.href ?? null,
  };
}

function remember(activity, extra = {}) {
  pushCapped(sent, {
    type: typeName(activity, null),
    id: activity.id?.href ?? null,
    object: extra.object ?? null,
    to: extra.to ?? [],
    at: new Date().toISOString(),
  });
}

federation
  .setInboxListeners(INBOX_PATH, SHARED_INBOX_PATH)
  .on(Follow, async (ctx, follow) => {
    await record(ctx, follow);
    if (follow.objectId?.href !== actorUri(ctx).href || follow.actorId == null) return;
    const follower = await follow.getActor(ctx);
    if (follower == null || !isActor(follower)) return;
    followers.set(follower.id.href, { ...recipientOf(follower), followId: follow.id?.href });
    const accept = new Accept({
      id: newId("accepts"),
      actor: actorUri(ctx),
      object: follow,
      to: follower.id,
    });
    await ctx.sendActivity({ identifier: ACTOR }, follower, accept);
    remember(accept, { to: [follower.id.href] });
  })
  .on(Accept, async (ctx, accept) => {
    await record(ctx, accept);
    settleFollow(accept, "accepted");
  })
  .on(Reject, async (ctx, reject) => {
    await record(ctx, reject);
    settleFollow(reject, "rejected");
  })
  .on(Undo, async (ctx, undo) => {
    await record(ctx, undo);
    const actorId = undo.actorId?.href;
    const follower = actorId == null ? undefined : followers.get(actorId);
    if (follower == null) return;
    let isUndoFollow = undo.objectId?.href != null && undo.objectId.href === follower.followId;
    if (!isUndoFollow) {
      try {
        isUndoFollow = (await undo.getObject(ctx)) instanceof Follow;
      } catch {
        isUndoFollow = false;
      }
    }
    if (isUndoFollow) followers.delete(actorId);
  })
  .on(Create, record)
  .on(Update, record)
  .on(Delete, async (ctx, del) => {
    await record(ctx, del);
    // An actor deleting itself stops being a follower.
    if (del.actorId != null && del.objectId?.href === del.actorId.href) {
      followers.delete(del.actorId.href);
    }
  })
  .on(Like, record)
  .on(Announce, record)
  .on(Activity, record) // anything else (EmojiReact, Block, Move, Flag, …)
  .onUnverifiedActivity(async (_ctx, activity, reason) => {
    const id = activity.id?.href ?? null;
    const meta = id == null ? undefined : inboxMeta.get(id);
    pushCapped(unverified, {
      type: typeName(activity, meta?.raw),
      id,
      actor: activity.actorId?.href ?? null,
      verified: false,
      reason: reason.type,
      keyId: reason.keyId?.href ?? null,
      signature: meta?.signature ?? null,
      raw: meta?.raw ?? null,
      receivedAt: new Date().toISOString(),
    });
    // Returning nothing keeps Fedify's 401.
  })
  .onError((_ctx, error) => {
    pushCapped(inboxErrors, {
      error: String(error?.stack ?? error),
      at: new Date().toISOString(),
    });
  });

function settleFollow(activity, state) {
  const objectId = activity.objectId?.href;
  let entry = [...following.values()].find((f) => f.followId === objectId);
  if (entry == null && activity.actorId != null) entry = following.get(activity.actorId.href);
  if (entry != null) entry.state = state;
}

// ---------------------------------------------------------------------------------------
// Test hooks

class HookError extends Error {
  constructor(status, message, extra = {}) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

function json(body, status = 200) {
  return new Response(JSON.stringify(body, null, 2), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8" },
  });
}

function requireParam(url, name) {
  const value = url.searchParams.get(name);
  if (value == null || value === "") throw new HookError(400, `missing query parameter: ${name}`);
  return value;
}

async function lookupActor(ctx, uri) {
  let object;
  try {
    object = await ctx.lookupObject(uri);
  } catch (error) {
    throw new HookError(502, `lookup of ${uri} failed: ${error?.message ?? error}`);
  }
  if (object == null) throw new HookError(502, `lookup of ${uri} found nothing`);
  if (!isActor(object)) {
    throw new HookError(502, `${uri} is a ${object.constructor.name}, not an actor`);
  }
  return object;
}

async function lookupAny(ctx, uri) {
  try {
    return await ctx.lookupObject(uri);
  } catch {
    return null;
  }
}

/** Sends now (the hook answers only after each inbox answered) unless ?queue=1 is given. */
async function send(ctx, url, recipients, activity, extra = {}) {
  const list = recipients.filter((r) => r != null);
  const immediate = url.searchParams.get("queue") !== "1";
  if (list.length > 0) {
    try {
      await ctx.sendActivity({ identifier: ACTOR }, list, activity, {
        immediate,
        preferSharedInbox: url.searchParams.get("shared") !== "0",
      });
    } catch (error) {
      const detail =
        error instanceof SendActivityError
          ? { inbox: error.inbox.href, status: error.statusCode, body: error.responseBody }
          : {};
      throw new HookError(502, `delivery failed: ${error?.message ?? error}`, detail);
    }
  }
  remember(activity, { ...extra, to: list.map((r) => r.id?.href ?? null) });
  return {
    ok: true,
    id: activity.id?.href ?? null,
    delivered: immediate ? list.map((r) => r.id?.href ?? null) : [],
    queued: immediate ? [] : list.map((r) => r.id?.href ?? null),
  };
}

function followerRecipients() {
  return [...followers.values()].map((f) => ({
    id: new URL(f.id),
    inboxId: f.inboxId == null ? null : new URL(f.inboxId),
    endpoints: { sharedInbox: f.sharedInbox == null ? null : new URL(f.sharedInbox) },
  }));
}

function ownNoteId(ctx, uri) {
  const prefix = `${ORIGIN}/users/${ACTOR}/posts/`;
  if (!uri.startsWith(prefix)) throw new HookError(400, `${uri} is not one of ${ACTOR}'s posts`);
  const id = uri.slice(prefix.length);
  if (!notes.has(id)) throw new HookError(404, `no such post: ${uri}`);
  return id;
}

const hooks = {
  "GET /_health": async () => ({
    ok: true,
    actor: `${ORIGIN}/users/${ACTOR}`,
    origin: ORIGIN,
    fedify: FEDIFY_VERSION,
    node: process.version,
    firstKnock: FIRST_KNOCK,
    keys: KEY_KINDS,
  }),
  "GET /_received": async () => received,
  "GET /_unverified": async () => unverified,
  "GET /_inbox_log": async () => inboxLog,
  "GET /_outgoing": async () => outgoing,
  "GET /_outbox_errors": async () => outboxErrors,
  "GET /_inbox_errors": async () => inboxErrors,
  "GET /_sent": async () => sent,
  "GET /_followers": async () => [...followers.keys()],
  "GET /_following": async () =>
    [...following.values()].map((f) => ({
      target: f.target,
      followId: f.followId,
      state: f.state,
    })),
  "POST /_reset": async () => {
    for (const list of [received, unverified, inboxLog, outgoing, outboxErrors, inboxErrors]) {
      list.length = 0;
    }
    return { ok: true };
  },
  "POST /_follow": async (ctx, url) => {
    const target = await lookupActor(ctx, requireParam(url, "target"));
    const follow = new Follow({ id: newId("follows"), actor: actorUri(ctx), object: target.id });
    following.set(target.id.href, {
      target: target.id.href,
      followId: follow.id.href,
      follow,
      state: "pending",
    });
    return await send(ctx, url, [target], follow, { object: target.id.href });
  },
  "POST /_unfollow": async (ctx, url) => {
    const target = await lookupActor(ctx, requireParam(url, "target"));
    const entry = following.get(target.id.href);
    const follow =
      entry?.follow ??
      new Follow({ id: newId("follows"), actor: actorUri(ctx), object: target.id });
    const undo = new Undo({ id: newId("undos"), actor: actorUri(ctx), object: follow });
    following.delete(target.id.href);
    return await send(ctx, url, [target], undo, { object: follow.id?.href });
  },
  "POST /_post": async (ctx, url) => {
    const content = requireParam(url, "content");
    const mentionUri = url.searchParams.get("mention");
    const inReplyTo = url.searchParams.get("inReplyTo");
    const mentioned = mentionUri ? await lookupActor(ctx, mentionUri) : null;
    const extra = [];
    if (mentioned != null) extra.push(mentioned);
    if (inReplyTo) {
      // Like Mastodon, also deliver a reply to the author of the post it replies to.
      const parent = await lookupAny(ctx, inReplyTo);
      const authorId = parent?.attributionId?.href;
      if (authorId && authorId !== mentioned?.id?.href && authorId !== actorUri(ctx).href) {
        const author = await lookupAny(ctx, authorId);
        if (author != null && isActor(author)) extra.push(author);
      }
    }
    const uuid = randomUUID();
    const noteId = ctx.getObjectUri(Note, { identifier: ACTOR, id: uuid });
    const mentionName =
      mentioned == null
        ? null
        : `@${mentioned.preferredUsername ?? "someone"}@${mentioned.id.host}`;
    const html =
      mentioned == null
        ? `<p>${escapeHtml(content)}</p>`
        : `<p><span class="h-card"><a href="${mentioned.url?.href ?? mentioned.id.href}" ` +
          `class="u-url mention">${escapeHtml(mentionName)}</a></span> ${escapeHtml(content)}</p>`;
    const published = Temporal.Now.instant();
    const note = new Note({
      id: noteId,
      attribution: actorUri(ctx),
      content: html,
      published,
      url: noteId,
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(ACTOR), ...extra.map((a) => a.id)],
      tags: mentioned == null ? [] : [new Mention({ href: mentioned.id, name: mentionName })],
      replyTarget: inReplyTo ? new URL(inReplyTo) : null,
    });
    notes.set(uuid, note);
    noteRecipients.set(uuid, extra);
    const create = new Create({
      id: new URL(`${noteId.href}/activity`),
      actor: actorUri(ctx),
      object: note,
      published,
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(ACTOR), ...extra.map((a) => a.id)],
    });
    creates.push(create);
    const result = await send(ctx, url, [...followerRecipients(), ...extra], create, {
      object: noteId.href,
    });
    return { ...result, object: noteId.href };
  },
  "POST /_update": async (ctx, url) => {
    const uri = requireParam(url, "object");
    const content = requireParam(url, "content");
    const uuid = ownNoteId(ctx, uri);
    const note = notes.get(uuid).clone({
      content: `<p>${escapeHtml(content)}</p>`,
      updated: Temporal.Now.instant(),
    });
    notes.set(uuid, note);
    const update = new Update({
      id: newId("updates"),
      actor: actorUri(ctx),
      object: note,
      to: PUBLIC_COLLECTION,
      ccs: note.ccIds,
    });
    const recipients = [...followerRecipients(), ...(noteRecipients.get(uuid) ?? [])];
    return await send(ctx, url, recipients, update, { object: uri });
  },
  "POST /_delete": async (ctx, url) => {
    const uri = requireParam(url, "object");
    const uuid = ownNoteId(ctx, uri);
    const note = notes.get(uuid);
    notes.delete(uuid);
    const del = new Delete({
      id: newId("deletes"),
      actor: actorUri(ctx),
      object: new Tombstone({ id: new URL(uri), deleted: Temporal.Now.instant() }),
      to: PUBLIC_COLLECTION,
      ccs: note.ccIds,
    });
    const recipients = [...followerRecipients(), ...(noteRecipients.get(uuid) ?? [])];
    return await send(ctx, url, recipients, del, { object: uri });
  },
  "POST /_like": async (ctx, url) => {
    const uri = requireParam(url, "object");
    const author = await authorOf(ctx, url, uri);
    const like = new Like({ id: newId("likes"), actor: actorUri(ctx), object: new URL(uri) });
    return await send(ctx, url, [author], like, { object: uri });
  },
  "POST /_unlike": async (ctx, url) => {
    const uri = requireParam(url, "object");
    const author = await authorOf(ctx, url, uri);
    const like = [...sent].reverse().find((s) => s.type === "Like" && s.object === uri);
    const undo = new Undo({
      id: newId("undos"),
      actor: actorUri(ctx),
      object: new Like({
        id: like?.id ? new URL(like.id) : newId("likes"),
        actor: actorUri(ctx),
        object: new URL(uri),
      }),
    });
    return await send(ctx, url, [author], undo, { object: uri });
  },
  "POST /_announce": async (ctx, url) => {
    const uri = requireParam(url, "object");
    const author = await authorOf(ctx, url, uri);
    const announce = new Announce({
      id: newId("announces"),
      actor: actorUri(ctx),
      object: new URL(uri),
      published: Temporal.Now.instant(),
      to: PUBLIC_COLLECTION,
      ccs: [ctx.getFollowersUri(ACTOR), author.id],
    });
    return await send(ctx, url, [...followerRecipients(), author], announce, { object: uri });
  },
};

/** The actor to deliver an interaction with URI to: ?to=ACTOR_URL, else the object's author. */
async function authorOf(ctx, url, uri) {
  const explicit = url.searchParams.get("to");
  if (explicit) return await lookupActor(ctx, explicit);
  const object = await lookupAny(ctx, uri);
  if (object == null) throw new HookError(502, `could not fetch ${uri}; pass &to=ACTOR_URL`);
  const authorId = object.attributionId?.href ?? object.actorId?.href;
  if (authorId == null) throw new HookError(502, `${uri} names no author; pass &to=ACTOR_URL`);
  return await lookupActor(ctx, authorId);
}

function escapeHtml(text) {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;");
}

async function handleHook(request, url) {
  const hook = hooks[`${request.method} ${url.pathname}`];
  if (hook == null) return json({ ok: false, error: "no such hook" }, 404);
  const ctx = federation.createContext(request, undefined);
  try {
    return json(await hook(ctx, url));
  } catch (error) {
    if (error instanceof HookError) {
      return json({ ok: false, error: error.message, ...error.extra }, error.status);
    }
    return json({ ok: false, error: String(error?.stack ?? error) }, 500);
  }
}

// ---------------------------------------------------------------------------------------
// node:http <-> fetch adapter

function isInboxPath(pathname) {
  return pathname === SHARED_INBOX_PATH || /^\/users\/[^/]+\/inbox$/.test(pathname);
}

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function handle(req, res) {
  const host = req.headers.host ?? `${HOST}:${PORT}`;
  const url = new URL(req.url ?? "/", `http://${host}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value != null) headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const body = hasBody ? await readBody(req) : undefined;
  const request = new Request(url, { method: req.method, headers, body });

  let response;
  let logEntry = null;
  if (url.pathname.startsWith("/_")) {
    response = await handleHook(request, url);
  } else {
    if (req.method === "POST" && isInboxPath(url.pathname)) {
      let raw = null;
      try {
        raw = JSON.parse(body.toString("utf8"));
      } catch {
        raw = null;
      }
      const signature = signatureInfo(headers);
      logEntry = {
        path: url.pathname,
        activityId: raw?.id ?? null,
        type: raw?.type ?? null,
        actor: typeof raw?.actor === "string" ? raw.actor : (raw?.actor?.id ?? null),
        signature,
        status: null,
        body: null,
        at: new Date().toISOString(),
      };
      pushCapped(inboxLog, logEntry);
      if (typeof raw?.id === "string") inboxMeta.set(raw.id, { raw, signature });
    }
    response = await federation.fetch(request, {
      contextData: undefined,
      onNotFound: () => new Response("Not found", { status: 404 }),
      onNotAcceptable: () => new Response("Not acceptable", { status: 406 }),
    });
  }

  const payload = Buffer.from(await response.arrayBuffer());
  if (logEntry != null) {
    logEntry.status = response.status;
    if (response.status >= 400) logEntry.body = payload.toString("utf8").slice(0, 1024);
  }
  const outHeaders = {};
  response.headers.forEach((value, name) => {
    outHeaders[name] = value;
  });
  outHeaders["content-length"] = String(payload.length);
  res.writeHead(response.status, outHeaders);
  res.end(req.method === "HEAD" ? undefined : payload);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error) => {
    console.error("peer: request failed:", error);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("Internal server error");
  });
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
  console.error(`peer: stopping on ${signal}`);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

server.on("error", (error) => {
  console.error(`peer: cannot serve on ${ORIGIN}: ${error.code ?? ""} ${error.message}`);
  process.exit(1);
});
server.listen(PORT, HOST, () => {
  process.stdout.write(`READY ${ORIGIN}\n`);
});
