// swift-tools-version:6.0
// The load generator of ops/bench realtime (the real-time hub), ops/bench calls
// (call set-up, with a LiveKit RoomService stand-in), ops/bench whatsapp and ops/bench
// payments (signed WhatsApp and Razorpay webhooks: swift-crypto for their HMAC, already
// in the graph through postgres-nio; Razorpay orders against an Orders API stand-in).
// A package of its own so it never touches the server's build:
//   swift build -c release --package-path ops/loadgen --scratch-path .build-loadgen
import PackageDescription

let package = Package(
    name: "loadgen",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "loadgen",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        )
    ],
    // The event-loop confinement here is by construction (each handler and recorder is
    // touched only on its own loop); Swift 5 mode keeps that from needing ceremony.
    swiftLanguageModes: [.v5]
)
