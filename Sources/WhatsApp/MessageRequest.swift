import Foundation

/// The JSON body of a send (PROVIDERS.md §1.1), built from typed parts so that
/// escaping is the encoder's job, not string interpolation's.
struct MessageRequest: Encodable, Equatable {
    struct Text: Encodable, Equatable {
        // Link previews would fetch customer-supplied URLs from Meta's side; off, as documented.
        var preview_url = false
        var body: String
    }

    struct Template: Encodable, Equatable {
        struct Language: Encodable, Equatable { var code: String }
        struct Component: Encodable, Equatable {
            var type: String
            var parameters: [Parameter]
        }
        struct Parameter: Encodable, Equatable {
            var type: String
            var text: String
        }
        var name: String
        var language: Language
        /// Left out entirely for a template without variables: Meta rejects an empty
        /// body component as a parameter-count mismatch (132000).
        var components: [Component]?
    }

    var messaging_product = "whatsapp"
    var recipient_type = "individual"
    var to: String
    var type: String
    var text: Text?
    var template: Template?

    /// `recipient` may be E.164 ("+919812345678"); Graph wants the digits alone.
    init(_ content: OutboundContent, to recipient: String) {
        self.to = String(recipient.unicodeScalars.filter { ("0"..."9").contains($0) })
        switch content {
        case .text(let body):
            type = "text"
            text = Text(body: body)
        case .template(let name, let language, let parameters):
            type = "template"
            let components =
                parameters.isEmpty
                ? nil : [Template.Component(type: "body", parameters: parameters.map { Template.Parameter(type: "text", text: $0) })]
            template = Template(name: name, language: .init(code: language), components: components)
        }
    }

    /// The bytes to POST. Keys are sorted so that the body is stable for logs and tests.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Only strings, booleans and arrays of them: encoding cannot fail.
        return (try? [UInt8](encoder.encode(self))) ?? []
    }
}
