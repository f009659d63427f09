/// A part's relationships (`_rels/NAME.rels`): what it refers to, by id and by
/// type, with targets resolved to part names inside the zip.
struct WorkbookRelationships {
    private struct Relationship {
        let id: String
        let type: String
        let target: String
    }

    private let relationships: [Relationship]

    init(_ elements: XMLElements, base: String) {
        relationships = elements.named("Relationship").compactMap { element in
            guard let id = element.attributes["Id"], let type = element.attributes["Type"], let target = element.attributes["Target"],
                element.attributes["TargetMode"] != "External"
            else { return nil }
            return Relationship(id: id, type: type, target: Self.resolve(target, base: base))
        }
    }

    /// The relationships of `part`; none when it has no relationships part.
    init(_ archive: WorkbookArchive, of part: String) throws(ContactFileError) {
        let slash = part.lastIndex(of: "/")
        let directory = slash.map { String(part[..<$0]) } ?? ""
        let name = slash.map { String(part[part.index(after: $0)...]) } ?? part
        let path = (directory.isEmpty ? "" : directory + "/") + "_rels/" + name + ".rels"
        guard let bytes = try archive.read(path) else {
            self.init(XMLElements.empty, base: directory)
            return
        }
        self.init(try XMLElements(bytes, part: path), base: directory)
    }

    var isEmpty: Bool { relationships.isEmpty }

    /// The target of the first relationship whose type ends in `/kind`
    /// (transitional and strict OOXML name types differently, but end alike).
    func target(ofType kind: String) -> String? {
        relationships.first { $0.type.hasSuffix("/" + kind) }?.target
    }

    /// The target of relationship `id`, if it is of type `/kind`.
    func target(id: String, ofType kind: String) -> String? {
        relationships.first { $0.id == id && $0.type.hasSuffix("/" + kind) }?.target
    }

    /// A target relative to the source part's folder ("worksheets/sheet1.xml"
    /// from "xl") or to the package root ("/xl/worksheets/sheet1.xml").
    static func resolve(_ target: String, base: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : base.split(separator: "/")
        for part in target.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }
}
