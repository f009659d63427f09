import ArgumentParser

/// `loadgen [hub] ...` drives the real-time hub (ops/bench realtime), `loadgen calls ...`
/// call set-up (ops/bench calls), and `loadgen livekit ...` is the LiveKit RoomService
/// stand-in the call benchmark's nodes create rooms on; `loadgen webhooks ...` signed WhatsApp
/// webhooks (ops/bench whatsapp); `loadgen payments ...` signed Razorpay webhooks and order
/// creation (ops/bench payments) against `loadgen razorpay ...`, the Razorpay Orders API
/// stand-in; `loadgen soak ...` mixed load with connection churn for a leak check (ops/soak).
/// `hub` is the default, so the
/// realtime mode's command line is unchanged.
@main
struct LoadGen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loadgen",
        abstract: "Load generators for Switchboard's benchmarks (ops/bench).",
        subcommands: [
            HubCommand.self, CallsCommand.self, LiveKitStandIn.self, WebhooksCommand.self, PaymentsCommand.self,
            RazorpayStandIn.self, SoakCommand.self,
        ],
        defaultSubcommand: HubCommand.self
    )
}
