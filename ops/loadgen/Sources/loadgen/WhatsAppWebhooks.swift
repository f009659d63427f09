import Crypto
import Foundation
import NIOCore

/// WhatsApp Cloud API inbound-text notifications (ops/bench whatsapp): message n comes
/// from sender n mod `senders` (the first of each creates its contact and
/// conversation), each with a distinct wamid `wamid.BENCH{tag}S{step}N{index}`, signed
/// `X-Hub-Signature-256: sha256=<hex HMAC>` with the app secret. The `chat.message` a
/// webhook becomes on the agents' sockets is matched back by its `providerMessageId`.
final class WhatsAppWebhooks: WebhookFlavor {
    let key: SymmetricKey
    let phoneNumberID: String
    let senders: Int
    /// In every wamid, so runs against the same database never collide.
    let tag: String
    /// Per step: webhooks whose sender was new.
    private var newSenders: [Int: Int] = [:]
    private var sent: [Int: Int] = [:]

    init(appSecret: String, phoneNumberID: String, senders: Int, tag: String) {
        key = SymmetricKey(data: Array(appSecret.utf8))
        self.phoneNumberID = phoneNumberID
        self.senders = max(1, senders)
        self.tag = tag
        wamidPrefix = Array("\"wamid.BENCH\(tag)S".utf8)
    }

    /// The wamids of step `step` start with this (for the database check).
    func wamidPrefix(step: Int) -> String { "wamid.BENCH\(tag)S\(step)N" }

    /// `"providerMessageId":`, then (after any spaces: the stored event data is jsonb,
    /// which writes `": "`) `"wamid.BENCH{tag}S{step}N{index}"`.
    private let providerKey: [UInt8] = Array("\"providerMessageId\":".utf8)
    private let wamidPrefix: [UInt8]
    private let chatMessage: [UInt8] = Array("\"chat.message\"".utf8)

    /// The sender (a WhatsApp id, digits) of message n.
    func sender(_ n: Int) -> (index: Int, waID: String) {
        let s = n % senders
        let digits = String(s)
        return (s, "919800" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits)
    }

    /// The notification Meta would post for one inbound text message.
    func body(wamid: String, sender: (index: Int, waID: String), n: Int) -> String {
        let now = Int(Date().timeIntervalSince1970)
        return "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"102290129340398\",\"changes\":[{\"field\":\"messages\","
            + "\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{\"display_phone_number\":\"15550001111\","
            + "\"phone_number_id\":\"\(phoneNumberID)\"},\"contacts\":[{\"profile\":{\"name\":\"Bench Sender \(sender.index)\"},"
            + "\"wa_id\":\"\(sender.waID)\"}],\"messages\":[{\"from\":\"\(sender.waID)\",\"id\":\"\(wamid)\","
            + "\"timestamp\":\"\(now)\",\"type\":\"text\",\"text\":{\"body\":\"Hello, this is message \(n) of the benchmark\"}}]}}]}]}"
    }

    func request(step: Int, index: Int, n: Int) -> (headers: [(String, String)], body: ByteBuffer) {
        sent[step, default: 0] += 1
        if n < senders { newSenders[step, default: 0] += 1 }
        let body = ByteBuffer(string: body(wamid: "wamid.BENCH\(tag)S\(step)N\(index)", sender: sender(n), n: n))
        return ([("X-Hub-Signature-256", "sha256=" + hexHMACSHA256(body, key: key))], body)
    }

    func isEvent(_ bytes: UnsafeRawBufferPointer) -> Bool { byteSearch(chatMessage, in: bytes) != nil }

    func receipt(in bytes: UnsafeRawBufferPointer) -> (step: Int, index: Int)? {
        guard let key = byteSearch(providerKey, in: bytes), byteSearch(chatMessage, in: bytes) != nil else { return nil }
        var p = key + providerKey.count
        while p < bytes.count, bytes[p] == UInt8(ascii: " ") { p += 1 }
        guard bytes.count - p >= wamidPrefix.count, memcmp(bytes.baseAddress! + p, wamidPrefix, wamidPrefix.count) == 0 else {
            return nil
        }
        p += wamidPrefix.count
        func number() -> Int? {
            var value = 0
            var digits = 0
            while p < bytes.count, bytes[p] >= 48, bytes[p] <= 57 {
                value = value * 10 + Int(bytes[p] - 48)
                p += 1
                digits += 1
            }
            return digits > 0 ? value : nil
        }
        guard let s = number(), p < bytes.count, bytes[p] == UInt8(ascii: "N") else { return nil }
        p += 1
        guard let i = number(), p < bytes.count, bytes[p] == UInt8(ascii: "\"") else { return nil }
        return (s, i)
    }

    func figures(step: Int) -> [String: Any] {
        let new = newSenders[step] ?? 0
        return ["new_senders": new, "known_senders": (sent[step] ?? 0) - new]
    }
}
