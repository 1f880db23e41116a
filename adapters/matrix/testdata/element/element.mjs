// Element's own SDK (matrix-js-sdk with its Rust crypto) as a user of the bot,
// with Element's default since 2026: "exclude insecure devices", i.e. room keys
// go only to devices cross-signed by their owner, and messages from other
// devices fail to decrypt. Run by TestElementClient:
//
//   node element.mjs HOMESERVER USER PASSWORD BOT_ID COMMAND
//
// It signs in (cross-signing its own device, as Element does), opens an
// encrypted direct chat with the bot, sends COMMAND and prints the bot's reply
// as one line: RESULT {json}.
import * as sdk from "matrix-js-sdk";
import { OnlySignedDevicesIsolationMode } from "matrix-js-sdk/lib/crypto-api/index.js";

// Node 20 lacks Promise.withResolvers, which matrix-js-sdk 43 (made for Node 22) uses.
Promise.withResolvers ??= function () {
  let resolve, reject;
  const promise = new Promise((a, b) => { resolve = a; reject = b; });
  return { promise, resolve, reject };
};

const [homeserver, user, password, botId, command] = process.argv.slice(2);
const deadline = (ms, what) => new Promise((_, reject) => setTimeout(() => reject(new Error("timed out waiting for " + what)), ms));
const until = (cond, ms, what) => Promise.race([new Promise((resolve) => {
  const iv = setInterval(() => { if (cond()) { clearInterval(iv); resolve(); } }, 50);
}), deadline(ms, what)]);
const passwordAuth = { type: "m.login.password", identifier: { type: "m.id.user", user }, password };

const login = await sdk.createClient({ baseUrl: homeserver }).loginRequest(passwordAuth);
const client = sdk.createClient({ baseUrl: homeserver, userId: login.user_id, accessToken: login.access_token, deviceId: login.device_id });
await client.initRustCrypto({ useIndexedDB: false });
const crypto = client.getCrypto();
crypto.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
let synced = false;
client.once(sdk.ClientEvent.Sync, () => { synced = true; });
await client.startClient({ initialSyncLimit: 10 });
await until(() => synced, 20000, "the first sync");
await crypto.bootstrapCrossSigning({ authUploadDeviceSigningKeys: (makeRequest) => makeRequest(passwordAuth).then(() => {}) });

const { room_id: room } = await client.createRoom({
  invite: [botId], preset: "trusted_private_chat", is_direct: true,
  initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
});
await until(() => client.getRoom(room)?.getMember(botId)?.membership === "join", 20000, "the bot to join");
const sent = await client.sendTextMessage(room, command);

// The bot's reply, or any event from the bot that fails to decrypt.
let reply = null;
const look = async (ev) => {
  if (ev.getRoomId() !== room || ev.getSender() !== botId || reply) return;
  await client.decryptEventIfNeeded(ev);
  const inReplyTo = ev.getContent()?.["m.relates_to"]?.["m.in_reply_to"]?.event_id;
  if (ev.isDecryptionFailure() || inReplyTo === sent.event_id) reply = ev;
};
client.on(sdk.RoomEvent.Timeline, look);
client.on(sdk.MatrixEventEvent.Decrypted, look);
await until(() => reply !== null, 30000, "the bot's reply");

const info = reply.isDecryptionFailure() ? null : await crypto.getEncryptionInfoForEvent(reply);
const botIdentity = await crypto.getUserVerificationStatus(botId);
process.stdout.write("RESULT " + JSON.stringify({
  encrypted: reply.isEncrypted(),
  decryption_failure: reply.decryptionFailureReason ?? null,
  body: reply.getContent()?.body ?? null,
  shield: info === null ? null : ["none", "grey", "red"][info.shieldColour] ?? String(info.shieldColour),
  shield_reason: info?.shieldReason ?? null,
  bot_verified_by_user: botIdentity.isCrossSigningVerified(),
}) + "\n");
client.stopClient();
process.exit(0);
