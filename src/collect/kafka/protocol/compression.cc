#include "collect/kafka/protocol/compression.h"

#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace loch::kafka {

std::string_view compression_codec_name(CompressionCodec codec) {
  switch (codec) {
    case CompressionCodec::kNone: return "none";
    case CompressionCodec::kGzip: return "gzip";
    case CompressionCodec::kSnappy: return "snappy";
    case CompressionCodec::kLz4: return "lz4";
    case CompressionCodec::kZstd: return "zstd";
  }
  return "unknown";
}

Result<CompressionCodec> compression_codec_from_attributes(int16_t attributes) {
  const int bits = attributes & 0x07;
  if (bits > 4) return Status::not_supported(fmt::format("record batch: unknown compression codec {}", bits));
  return static_cast<CompressionCodec>(bits);
}

namespace {

Status too_large(std::string_view codec, size_t limit) {
  return Status::corruption(fmt::format("{}: decompressed data exceeds the limit of {} bytes", codec, limit));
}

// ------------------------------------------------------------------ gzip

// Owns a zlib stream; which end (deflate or inflate) is fixed at creation.
class ZlibStream {
 public:
  explicit ZlibStream(bool inflating) : inflating_(inflating) {}
  ~ZlibStream() {
    if (!initialized_) return;
    if (inflating_) {
      inflateEnd(&stream_);
    } else {
      deflateEnd(&stream_);
    }
  }
  ZlibStream(const ZlibStream&) = delete;
  ZlibStream& operator=(const ZlibStream&) = delete;

  z_stream* get() { return &stream_; }
  void mark_initialized() { initialized_ = true; }

 private:
  bool inflating_;
  bool initialized_ = false;
  z_stream stream_{};
};

Result<std::string> gzip_compress(std::string_view input) {
  ZlibStream z(/*inflating=*/false);
  // windowBits 15 + 16: a gzip wrapper (RFC 1952), which Kafka's GZIP codec is.
  if (deflateInit2(z.get(), Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::internal("gzip: deflateInit2 failed");
  }
  z.mark_initialized();
  std::string out(deflateBound(z.get(), input.size()) + 32, '\0');
  z.get()->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.get()->avail_in = static_cast<uInt>(input.size());
  z.get()->next_out = reinterpret_cast<Bytef*>(out.data());
  z.get()->avail_out = static_cast<uInt>(out.size());
  if (deflate(z.get(), Z_FINISH) != Z_STREAM_END) return Status::internal("gzip: deflate did not finish");
  out.resize(z.get()->total_out);
  return out;
}

Result<std::string> gzip_decompress(std::string_view input, size_t limit) {
  ZlibStream z(/*inflating=*/true);
  // windowBits 15 + 32: accept a gzip or a zlib header.
  if (inflateInit2(z.get(), 15 + 32) != Z_OK) return Status::internal("gzip: inflateInit2 failed");
  z.mark_initialized();
  z.get()->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  z.get()->avail_in = static_cast<uInt>(input.size());
  std::string out;
  std::array<char, 64 * 1024> chunk;
  while (true) {
    z.get()->next_out = reinterpret_cast<Bytef*>(chunk.data());
    z.get()->avail_out = static_cast<uInt>(chunk.size());
    const int rc = inflate(z.get(), Z_NO_FLUSH);
    const size_t produced = chunk.size() - z.get()->avail_out;
    if (out.size() + produced > limit) return too_large("gzip", limit);
    out.append(chunk.data(), produced);
    if (rc == Z_STREAM_END) return out;
    if (rc == Z_BUF_ERROR && produced == 0) return Status::corruption("gzip: truncated stream");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Status::corruption(fmt::format("gzip: {}", z.get()->msg != nullptr ? z.get()->msg : "inflate failed"));
    }
  }
}

// ------------------------------------------------------------------ snappy

// The xerial snappy-java stream header: magic, version 1, compatible version 1,
// then blocks of (int32 big-endian compressed size, raw snappy block).
constexpr std::string_view kXerialMagic("\x82SNAPPY\0", 8);
constexpr size_t kXerialHeaderSize = 16;
constexpr size_t kXerialBlockSize = 32 * 1024;  // snappy-java's default block size

void append_uint32_be(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}
uint32_t load_uint32_be(const char* p) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24) | (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8) | static_cast<uint32_t>(static_cast<uint8_t>(p[3]));
}

Result<std::string> snappy_compress_xerial(std::string_view input) {
  std::string out(kXerialMagic);
  append_uint32_be(out, 1);
  append_uint32_be(out, 1);
  for (size_t start = 0; start < input.size(); start += kXerialBlockSize) {
    const std::string_view block = input.substr(start, kXerialBlockSize);
    size_t compressed_size = snappy_max_compressed_length(block.size());
    const size_t size_position = out.size();
    append_uint32_be(out, 0);
    out.resize(size_position + 4 + compressed_size);
    if (snappy_compress(block.data(), block.size(), out.data() + size_position + 4, &compressed_size) != SNAPPY_OK) {
      return Status::internal("snappy: compression failed");
    }
    out.resize(size_position + 4 + compressed_size);
    for (int i = 0; i < 4; ++i) {
      out[size_position + i] = static_cast<char>((compressed_size >> (24 - 8 * i)) & 0xFF);
    }
  }
  return out;
}

Status snappy_append_block(std::string_view block, size_t limit, std::string& out) {
  size_t size = 0;
  if (snappy_uncompressed_length(block.data(), block.size(), &size) != SNAPPY_OK) {
    return Status::corruption("snappy: bad block header");
  }
  if (out.size() + size > limit) return too_large("snappy", limit);
  const size_t start = out.size();
  out.resize(start + size);
  if (snappy_uncompress(block.data(), block.size(), out.data() + start, &size) != SNAPPY_OK) {
    return Status::corruption("snappy: corrupt block");
  }
  out.resize(start + size);
  return Status::ok();
}

Result<std::string> snappy_decompress(std::string_view input, size_t limit) {
  std::string out;
  if (input.substr(0, kXerialMagic.size()) != kXerialMagic) {
    // Plain (unframed) snappy, as some clients write it.
    LOCH_RETURN_IF_ERROR(snappy_append_block(input, limit, out));
    return out;
  }
  if (input.size() < kXerialHeaderSize) return Status::corruption("snappy: truncated xerial header");
  std::string_view rest = input.substr(kXerialHeaderSize);
  while (!rest.empty()) {
    if (rest.size() < 4) return Status::corruption("snappy: truncated xerial block size");
    const uint32_t block_size = load_uint32_be(rest.data());
    rest.remove_prefix(4);
    if (block_size > rest.size()) {
      return Status::corruption(fmt::format("snappy: xerial block of {} bytes, {} left", block_size, rest.size()));
    }
    LOCH_RETURN_IF_ERROR(snappy_append_block(rest.substr(0, block_size), limit, out));
    rest.remove_prefix(block_size);
  }
  return out;
}

// ------------------------------------------------------------------ lz4

struct Lz4DecompressionContextDeleter {
  void operator()(LZ4F_dctx* context) const { LZ4F_freeDecompressionContext(context); }
};

Result<std::string> lz4_compress(std::string_view input) {
  LZ4F_preferences_t preferences;
  std::memset(&preferences, 0, sizeof preferences);
  // Kafka's Java client writes 64 KiB independent blocks; any valid frame is accepted by readers.
  preferences.frameInfo.blockSizeID = LZ4F_max64KB;
  preferences.frameInfo.blockMode = LZ4F_blockIndependent;
  std::string out(LZ4F_compressFrameBound(input.size(), &preferences), '\0');
  const size_t size = LZ4F_compressFrame(out.data(), out.size(), input.data(), input.size(), &preferences);
  if (LZ4F_isError(size)) return Status::internal(fmt::format("lz4: {}", LZ4F_getErrorName(size)));
  out.resize(size);
  return out;
}

Result<std::string> lz4_decompress(std::string_view input, size_t limit) {
  LZ4F_dctx* raw_context = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_context, LZ4F_VERSION))) {
    return Status::internal("lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, Lz4DecompressionContextDeleter> context(raw_context);
  std::string out;
  std::array<char, 64 * 1024> chunk;
  const char* next = input.data();
  size_t left = input.size();
  while (true) {
    size_t consumed = left;
    size_t produced = chunk.size();
    const size_t hint = LZ4F_decompress(context.get(), chunk.data(), &produced, next, &consumed, nullptr);
    if (LZ4F_isError(hint)) return Status::corruption(fmt::format("lz4: {}", LZ4F_getErrorName(hint)));
    if (out.size() + produced > limit) return too_large("lz4", limit);
    out.append(chunk.data(), produced);
    next += consumed;
    left -= consumed;
    if (hint == 0) {
      // A frame ended; Kafka batches hold exactly one.
      if (left != 0) return Status::corruption(fmt::format("lz4: {} bytes after the frame", left));
      return out;
    }
    if (left == 0 && produced == 0) return Status::corruption("lz4: truncated frame");
  }
}

// ------------------------------------------------------------------ zstd

struct ZstdDecompressionContextDeleter {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

Result<std::string> zstd_compress(std::string_view input) {
  std::string out(ZSTD_compressBound(input.size()), '\0');
  const size_t size = ZSTD_compress(out.data(), out.size(), input.data(), input.size(), 3);
  if (ZSTD_isError(size)) return Status::internal(fmt::format("zstd: {}", ZSTD_getErrorName(size)));
  out.resize(size);
  return out;
}

Result<std::string> zstd_decompress(std::string_view input, size_t limit) {
  std::unique_ptr<ZSTD_DCtx, ZstdDecompressionContextDeleter> context(ZSTD_createDCtx());
  if (!context) return Status::internal("zstd: cannot create a decompression context");
  std::string out;
  std::array<char, 64 * 1024> chunk;
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  size_t last = 1;
  while (in.pos < in.size || last != 0) {
    ZSTD_outBuffer chunk_out{chunk.data(), chunk.size(), 0};
    const size_t before = in.pos;
    last = ZSTD_decompressStream(context.get(), &chunk_out, &in);
    if (ZSTD_isError(last)) return Status::corruption(fmt::format("zstd: {}", ZSTD_getErrorName(last)));
    if (out.size() + chunk_out.pos > limit) return too_large("zstd", limit);
    out.append(chunk.data(), chunk_out.pos);
    if (last != 0 && in.pos == in.size && in.pos == before && chunk_out.pos < chunk_out.size) {
      return Status::corruption("zstd: truncated frame");
    }
  }
  return out;
}

}  // namespace

Result<std::string> compress(CompressionCodec codec, std::string_view input) {
  switch (codec) {
    case CompressionCodec::kNone: return std::string(input);
    case CompressionCodec::kGzip: return gzip_compress(input);
    case CompressionCodec::kSnappy: return snappy_compress_xerial(input);
    case CompressionCodec::kLz4: return lz4_compress(input);
    case CompressionCodec::kZstd: return zstd_compress(input);
  }
  return Status::not_supported("compress: unknown codec");
}

Result<std::string> decompress(CompressionCodec codec, std::string_view input, size_t max_output_bytes) {
  switch (codec) {
    case CompressionCodec::kNone:
      if (input.size() > max_output_bytes) return too_large("none", max_output_bytes);
      return std::string(input);
    case CompressionCodec::kGzip: return gzip_decompress(input, max_output_bytes);
    case CompressionCodec::kSnappy: return snappy_decompress(input, max_output_bytes);
    case CompressionCodec::kLz4: return lz4_decompress(input, max_output_bytes);
    case CompressionCodec::kZstd: return zstd_decompress(input, max_output_bytes);
  }
  return Status::not_supported("decompress: unknown codec");
}

}  // namespace loch::kafka
