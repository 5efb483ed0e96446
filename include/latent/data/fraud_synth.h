// A synthetic stand-in for the Kaggle/ULB credit-card transactions file, with its schema
// (Time, V1..V28, Amount, Class) and a realistic fraud rate (0.17% by default). See
// docs/fraud-data.md for how the rows are generated.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "latent/data/csv.h"

namespace latent {

struct FraudDataOptions {
  int64_t rows = 50000;
  uint64_t seed = 42;
  double fraud_rate = 0.0017;  // fraction of rows with Class = 1 (rounded, at least one)
};

// Time, V1..V28, Amount (the features) followed by Class.
std::vector<std::string> fraud_columns();

// The table in memory: x (rows, 30) float32 in column order, y (rows,) int64 Class.
CsvChunk make_fraud_table(const FraudDataOptions& options);

// Writes the table as CSV with the Kaggle file's quoting (quoted header, quoted Class).
void write_fraud_csv(const std::filesystem::path& path, const FraudDataOptions& options);

}  // namespace latent
