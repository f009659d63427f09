/// Excel's dates: a count of days (the fraction is the time of day) since
/// 1900-01-00, with Lotus 1-2-3's phantom 1900-02-29 kept, or since 1904-01-01.
enum ExcelDate {
    enum Kind {
        case date, time, dateTime

        /// The built-in number formats that show dates and times.
        init?(builtInFormat id: Int) {
            switch id {
            case 14...17, 27...31, 34...36, 50...58: self = .date
            case 18...21, 32, 33, 45...47: self = .time
            case 22: self = .dateTime
            default: return nil
            }
        }

        /// A custom format code like "dd/mm/yyyy" or "h:mm AM/PM"; nil for a
        /// number format. Quoted text, [colour] and [$-locale] sections and
        /// escaped characters are no part of the pattern.
        init?(formatCode: String) {
            var pattern = ""
            var quoted = false
            var bracketed = false
            var escaped = false
            for character in formatCode.lowercased() {
                if escaped {
                    escaped = false
                } else if quoted {
                    quoted = character != "\""
                } else if bracketed {
                    bracketed = character != "]"
                } else {
                    switch character {
                    case "\"": quoted = true
                    case "[": bracketed = true
                    case "\\", "_", "*": escaped = true  // the next character is literal, or padding
                    default: pattern.append(character)
                    }
                }
            }
            let date =
                pattern.contains("y") || pattern.contains("d")
                || (pattern.contains("m") && !pattern.contains("h") && !pattern.contains("s"))
            let time = pattern.contains("h") || pattern.contains("s")
            switch (date, time) {
            case (true, true): self = .dateTime
            case (true, false): self = .date
            case (false, true): self = .time
            case (false, false): return nil
            }
        }
    }

    /// "2024-01-15", "14:30" or "2024-01-15 14:30"; nil outside years 1900–9999.
    static func text(serial: Double, kind: Kind, uses1904: Bool) -> String? {
        guard serial >= 0, serial < 2_958_466 else { return nil }
        var days = Int(serial.rounded(.down))
        var seconds = Int(((serial - Double(days)) * 86_400).rounded())
        if seconds == 86_400 {
            days += 1
            seconds = 0
        }
        let time =
            String(format2: seconds / 3600) + ":" + String(format2: seconds / 60 % 60)
            + (seconds % 60 == 0 ? "" : ":" + String(format2: seconds % 60))
        if kind == .time { return time }
        // Days since 1970-01-01: 1899-12-30 is day -25569 and 1904-01-01 day -24107; serials below 61
        // come before the phantom 1900-02-29.
        let unixDays = uses1904 ? days - 24107 : (days < 61 ? days - 25568 : days - 25569)
        let (year, month, day) = civil(fromUnixDays: unixDays)
        let date = "\(year)-\(String(format2: month))-\(String(format2: day))"
        return kind == .dateTime ? date + " " + time : date
    }

    /// Howard Hinnant's `civil_from_days`.
    static func civil(fromUnixDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension String {
    /// Two digits, zero-padded.
    fileprivate init(format2 value: Int) {
        self = value < 10 ? "0\(value)" : "\(value)"
    }
}
