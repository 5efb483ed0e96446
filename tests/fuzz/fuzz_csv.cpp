// libFuzzer target: the streaming CSV reader must turn any bytes into chunks of finite numbers
// with one column per header feature and 0/1 labels, or a latent::Error naming the file.
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "latent/core/error.h"
#include "latent/data/csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/latent-fuzz-csv-" + std::to_string(::getpid());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    latent::CsvOptions options;
    options.label = "Class";
    options.label_required = false;
    options.chunk_rows = 3;
    latent::CsvReader reader(path, options);
    const auto features = static_cast<int64_t>(reader.feature_names().size());
    latent::CsvChunk chunk;
    int64_t rows = 0;
    while (reader.next(chunk)) {
      if (chunk.x.dim() != 2 || chunk.x.size(1) != features || chunk.rows() > 3) __builtin_trap();
      if (!torch::isfinite(chunk.x).all().item<bool>()) __builtin_trap();
      if (reader.has_label() &&
          (chunk.y.numel() != chunk.rows() || !(chunk.y.eq(0) | chunk.y.eq(1)).all().item<bool>()))
        __builtin_trap();
      rows += chunk.rows();
    }
    if (rows != reader.rows_read()) __builtin_trap();
  } catch (const latent::Error&) {}
  return 0;
}
