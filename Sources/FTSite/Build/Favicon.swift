internal import Foundation

/// `/favicon.ico`, which browsers ask for whatever the page says: an ICO file holding the app's
/// PNG icon as it is (ICO has carried PNG images since Windows Vista; every current browser reads it).
enum Favicon {
    static func ico(png: Data, size: Int) -> Data {
        var data = Data()
        func u16(_ value: Int) { data.append(contentsOf: [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)]) }
        func u32(_ value: Int) { u16(value & 0xFFFF); u16(value >> 16 & 0xFFFF) }
        u16(0) // reserved
        u16(1) // an icon
        u16(1) // one image
        data.append(UInt8(size >= 256 ? 0 : size)) // width (0: 256)
        data.append(UInt8(size >= 256 ? 0 : size)) // height
        data.append(0) // no palette
        data.append(0) // reserved
        u16(1) // colour planes
        u16(32) // bits per pixel
        u32(png.count)
        u32(6 + 16) // the image follows the header and its one directory entry
        data.append(png)
        return data
    }
}
