// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "switchboard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "switchboard", targets: ["switchboard"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        .target(
            name: "Persistence",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Accounts",
            dependencies: [
                "Persistence",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "Realtime",
            dependencies: [
                "Persistence",
                "Accounts",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Calls",
            dependencies: [
                "Persistence",
                "Accounts",
                "Realtime",
                "Contacts",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Reading contact spreadsheets (CSV, .xlsx) and normalising phone numbers:
        // pure code, no database, so it is tested on its own.
        .target(
            name: "ContactFiles",
            dependencies: [
                .product(name: "ZIPFoundation", package: "ZIPFoundation")
            ]
        ),
        .target(
            name: "Contacts",
            dependencies: [
                "Persistence",
                "Accounts",
                "Realtime",
                "ContactFiles",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The WhatsApp Cloud API adapter: the Graph API send call, webhook signatures and
        // notification payloads (PROVIDERS.md section 1). No database.
        .target(
            name: "WhatsApp",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Razorpay adapter: orders, payment links, refunds, Checkout and webhook
        // signatures, webhook event payloads (PROVIDERS.md section 2). No database.
        .target(
            name: "Razorpay",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // One inbox for portal chat and WhatsApp: conversations, messages, the durable
        // webhook intake and the send queue.
        .target(
            name: "Conversations",
            dependencies: [
                "Persistence",
                "Accounts",
                "Realtime",
                "Contacts",
                "ContactFiles",
                "WhatsApp",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Payments through Razorpay: products, orders, Checkout verification, payment
        // links, refunds, and the durable webhook intake.
        .target(
            name: "Payments",
            dependencies: [
                "Persistence",
                "Accounts",
                "Realtime",
                "Contacts",
                "Conversations",
                "Razorpay",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "App",
            dependencies: [
                "Persistence",
                "Accounts",
                "Realtime",
                "Calls",
                "Contacts",
                "ContactFiles",
                "Conversations",
                "WhatsApp",
                "Payments",
                "Razorpay",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/openapi.json")]
        ),
        .executableTarget(
            name: "switchboard",
            dependencies: [
                "App",
                "Accounts",
                "Persistence",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "Realtime",
                "Calls",
                "Contacts",
                "ContactFiles",
                "Conversations",
                "WhatsApp",
                "Payments",
                "Razorpay",
                "Accounts",
                "Persistence",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .testTarget(
            name: "RazorpayTests",
            // Hummingbird serves the scripted Razorpay answers the client is tested against.
            dependencies: ["Razorpay", .product(name: "Hummingbird", package: "hummingbird")]
        ),
        .testTarget(
            name: "WhatsAppTests",
            // Hummingbird serves the scripted Graph answers the client is tested against.
            dependencies: ["WhatsApp", .product(name: "Hummingbird", package: "hummingbird")],
            exclude: ["Fixtures"]  // read through #filePath
        ),
        .testTarget(
            name: "ContactFilesTests",
            dependencies: ["ContactFiles", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            exclude: ["Fixtures"]  // read through #filePath; make_fixtures.py regenerates them
        ),
    ]
)
