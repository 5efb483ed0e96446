// .npy and .npz: hand-built files for every dtype, Fortran order and header version, our writer's
// round trip, the errors for malformed files and archives, and (when Python's numpy is present) a
// cross-check against numpy's own np.save / np.savez output.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "latent/core/error.h"
#include "latent/data/npy.h"
#include "npz_bytes.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::dict;
using testing::error_of;
using testing::le;
using testing::npy_raw;
using testing::stored_zip;
using testing::TempDir;
using testing::write_bytes;

bool has(const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; }

torch::Tensor parse(const std::string& bytes) {
  return parse_npy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "t.npy");
}

std::string parse_error(const std::string& bytes) {
  return error_of([&] { parse(bytes); });
}

template <typename T>
std::vector<T> values(const torch::Tensor& t) {
  auto c = t.contiguous();
  return std::vector<T>(c.data_ptr<T>(), c.data_ptr<T>() + c.numel());
}

TEST(Npy, EachDtypeFromHandBuiltBytes) {
  auto u1 = parse(npy_raw(dict("|u1", "(3,)"), "\x01\x02\xff"));
  EXPECT_EQ(u1.scalar_type(), torch::kUInt8);
  EXPECT_EQ(values<uint8_t>(u1), (std::vector<uint8_t>{1, 2, 255}));

  auto i1 = parse(npy_raw(dict("|i1", "(3,)"), std::string("\xff\x00\x7f", 3)));
  EXPECT_EQ(i1.scalar_type(), torch::kInt8);
  EXPECT_EQ(values<int8_t>(i1), (std::vector<int8_t>{-1, 0, 127}));

  auto b1 = parse(npy_raw(dict("|b1", "(3,)"), std::string("\x00\x01\x01", 3)));
  EXPECT_EQ(b1.scalar_type(), torch::kBool);
  EXPECT_EQ(values<bool>(b1), (std::vector<bool>{false, true, true}));

  auto i2 = parse(npy_raw(dict("<i2", "(2,)"), "\xfe\xff\x02\x01"));
  EXPECT_EQ(i2.scalar_type(), torch::kInt16);
  EXPECT_EQ(values<int16_t>(i2), (std::vector<int16_t>{-2, 0x0102}));

  auto i4 = parse(npy_raw(dict("<i4", "(2,)"), "\xff\xff\xff\xff\x04\x03\x02\x01"));
  EXPECT_EQ(i4.scalar_type(), torch::kInt32);
  EXPECT_EQ(values<int32_t>(i4), (std::vector<int32_t>{-1, 0x01020304}));

  auto i8 = parse(npy_raw(dict("<i8", "(2,)"), le(static_cast<uint64_t>(-3), 8) + le(uint64_t{1} << 40, 8)));
  EXPECT_EQ(i8.scalar_type(), torch::kInt64);
  EXPECT_EQ(values<int64_t>(i8), (std::vector<int64_t>{-3, int64_t{1} << 40}));

  // Unsigned 16- and 32-bit values widen to int32 and int64 (LibTorch has no such types).
  auto u2 = parse(npy_raw(dict("<u2", "(2,)"), std::string("\xff\xff\x01\x00", 4)));
  EXPECT_EQ(u2.scalar_type(), torch::kInt32);
  EXPECT_EQ(values<int32_t>(u2), (std::vector<int32_t>{65535, 1}));
  auto u4 = parse(npy_raw(dict("<u4", "(1,)"), "\xff\xff\xff\xff"));
  EXPECT_EQ(u4.scalar_type(), torch::kInt64);
  EXPECT_EQ(values<int64_t>(u4), (std::vector<int64_t>{4294967295LL}));
  auto u8 = parse(npy_raw(dict("<u8", "(1,)"), le(0x7fffffffffffffffULL, 8)));
  EXPECT_EQ(u8.scalar_type(), torch::kInt64);
  EXPECT_EQ(values<int64_t>(u8), (std::vector<int64_t>{0x7fffffffffffffffLL}));
  EXPECT_TRUE(has(parse_error(npy_raw(dict("<u8", "(2,)"), le(1, 8) + le(0x8000000000000000ULL, 8))),
                  "t.npy: uint64 value above 2^63 - 1 at element 1"));

  auto f2 = parse(npy_raw(dict("<f2", "(1,)"), le(0x3c00, 2)));  // 1.0 in IEEE half
  EXPECT_EQ(f2.scalar_type(), torch::kHalf);
  EXPECT_EQ(f2.item<float>(), 1.0f);
  auto f4 = parse(npy_raw(dict("<f4", "(2,)"), le(0x3fc00000, 4) + le(0xbf800000, 4)));  // 1.5, -1.0
  EXPECT_EQ(f4.scalar_type(), torch::kFloat);
  EXPECT_EQ(values<float>(f4), (std::vector<float>{1.5f, -1.0f}));
  auto f8 = parse(npy_raw(dict("<f8", "(1,)"), le(0xc000000000000000ULL, 8)));  // -2.0
  EXPECT_EQ(f8.scalar_type(), torch::kDouble);
  EXPECT_EQ(f8.item<double>(), -2.0);
}

TEST(Npy, BigEndianIsConverted) {
  auto i4 = parse(npy_raw(dict(">i4", "(2,)"), "\x01\x02\x03\x04\xff\xff\xff\xfe"));
  EXPECT_EQ(values<int32_t>(i4), (std::vector<int32_t>{0x01020304, -2}));
  auto f8 = parse(npy_raw(dict(">f8", "(1,)"), std::string("\x3f\xf8\0\0\0\0\0\0", 8)));  // 1.5
  EXPECT_EQ(f8.item<double>(), 1.5);
  auto u2 = parse(npy_raw(dict(">u2", "(1,)"), "\xff\xfe"));
  EXPECT_EQ(u2.item<int32_t>(), 65534);
}

TEST(Npy, FortranOrderIsReturnedCContiguous) {
  // [[1, 2, 3], [4, 5, 6]] stored column by column.
  auto t = parse(npy_raw(dict("|u1", "(2, 3)", true), "\x01\x04\x02\x05\x03\x06"));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(values<uint8_t>(t), (std::vector<uint8_t>{1, 2, 3, 4, 5, 6}));
  // Three dimensions, int16: element (i, j, k) of a Fortran array sits at i + 2j + 6k.
  auto want = torch::arange(24, torch::kInt16).reshape({2, 3, 4});
  auto fortran = want.permute({2, 1, 0}).contiguous();
  std::string data(static_cast<const char*>(fortran.data_ptr()), 48);
  auto got = parse(npy_raw(dict("<i2", "(2, 3, 4)", true), data));
  EXPECT_TRUE(got.is_contiguous());
  EXPECT_TRUE(torch::equal(got, want));
}

TEST(Npy, Version2And3Headers) {
  auto v2 = parse(npy_raw(dict("<i4", "(2,)"), le(7, 4) + le(9, 4), 2));
  EXPECT_EQ(values<int32_t>(v2), (std::vector<int32_t>{7, 9}));
  auto v3 = parse(npy_raw(dict("|u1", "(1,)"), "\x05", 3));
  EXPECT_EQ(values<uint8_t>(v3), (std::vector<uint8_t>{5}));
}

TEST(Npy, HeaderDictIsParsedNotMatched) {
  // Keys in any order, double quotes, no trailing comma, spaces inside the tuple, Python 2 longs.
  auto t =
      parse(npy_raw("{\"shape\" : ( 2 ,3 ,) , 'fortran_order':False,'descr':\"<i2\"}   \n", std::string(12, '\0')));
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{2, 3}));
  auto scalar = parse(npy_raw(dict("<f4", "()"), le(0x40000000, 4)));  // 2.0
  EXPECT_EQ(scalar.dim(), 0);
  EXPECT_EQ(scalar.item<float>(), 2.0f);
  auto one = parse(npy_raw(dict("|u1", "(5,)"), "abcde"));
  EXPECT_EQ(one.sizes(), (std::vector<int64_t>{5}));
  auto longs = parse(npy_raw(dict("|u1", "(2L, 1L)"), "ab"));
  EXPECT_EQ(longs.sizes(), (std::vector<int64_t>{2, 1}));
  auto empty = parse(npy_raw(dict("<f8", "(0, 4)"), ""));
  EXPECT_EQ(empty.sizes(), (std::vector<int64_t>{0, 4}));
}

TEST(Npy, WriterMatchesNumpysLayout) {
  // np.save(f, np.zeros((2, 3), np.uint8)) writes exactly these bytes (numpy 1.24).
  std::string want("\x93NUMPY\x01\x00\x76\x00", 10);
  want += "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }";
  want += std::string(128 - want.size() - 1, ' ') + "\n" + std::string(6, '\0');
  EXPECT_EQ(npy_bytes(torch::zeros({2, 3}, torch::kUInt8)), want);
  EXPECT_TRUE(
      has(npy_bytes(torch::zeros({5}, torch::kFloat)), "'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"));
  EXPECT_TRUE(has(npy_bytes(torch::zeros({}, torch::kInt64)), "'shape': (), }"));
}

TEST(Npy, WriteReadRoundTripEveryDtype) {
  TempDir tmp;
  auto base = torch::arange(-6, 6, torch::kDouble).reshape({3, 4}) * 1.5;
  for (auto type : {torch::kUInt8, torch::kInt8, torch::kBool, torch::kInt16, torch::kInt32, torch::kInt64,
                    torch::kHalf, torch::kFloat, torch::kDouble}) {
    auto t = type == torch::kUInt8 ? base.abs().to(type) : base.to(type);
    write_npy(tmp / "a.npy", t);
    auto back = read_npy(tmp / "a.npy");
    EXPECT_EQ(back.scalar_type(), type);
    EXPECT_TRUE(torch::equal(back, t)) << c10::toString(type);
  }
  // A non-contiguous tensor is written in its logical (C) order.
  auto t = torch::arange(6, torch::kInt32).reshape({2, 3}).t();
  write_npy(tmp / "t.npy", t);
  EXPECT_TRUE(torch::equal(read_npy(tmp / "t.npy"), t));
  EXPECT_TRUE(
      has(error_of([&] { write_npy(tmp / "c.npy", torch::zeros({2}, torch::kComplexFloat)); }), "cannot write dtype"));
}

TEST(Npy, MalformedFilesAreOneLineErrors) {
  const std::string ok_dict = dict("|u1", "(2,)");
  EXPECT_TRUE(has(parse_error("PK\x03\x04 not npy"), "t.npy: bad magic"));
  EXPECT_TRUE(has(parse_error(""), "t.npy: bad magic"));
  EXPECT_TRUE(has(parse_error(std::string("\x93NUMPY\x04\x00\x02\x00{}", 12)), "t.npy: unsupported .npy version 4.0"));
  EXPECT_TRUE(has(parse_error(std::string("\x93NUMPY\x01\x00\xff\x00{", 11)), "t.npy: truncated .npy header"));
  EXPECT_TRUE(has(parse_error(npy_raw("['descr', 'x']", "")), "t.npy: bad .npy header: header is not a Python dict"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': '|u1', 'shape': (2,)}", "ab")), "header has no 'fortran_order' key"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': '|u1', 'fortran_order': False}", "ab")), "header has no 'shape' key"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), 'x': 1}", "ab")),
                  "unexpected key 'x'"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': '|u1', 'fortran_order': 0, 'shape': (2,)}", "ab")),
                  "'fortran_order' is not True or False"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': '|u1', 'fortran_order': False, 'shape': (2, -1)}", "ab")),
                  "'shape' holds something other than sizes"));
  EXPECT_TRUE(has(parse_error(npy_raw("{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,)}", "ab")),
                  "structured dtype"));
  EXPECT_TRUE(has(parse_error(npy_raw(dict("<c8", "(1,)"), std::string(8, '\0'))), "t.npy: unsupported dtype '<c8'"));
  EXPECT_TRUE(has(parse_error(npy_raw(dict("<U5", "(1,)"), std::string(20, '\0'))), "t.npy: unsupported dtype '<U5'"));
  const auto object = parse_error(npy_raw(dict("|O", "(1,)"), std::string(8, '\0')));
  EXPECT_TRUE(has(object, "t.npy: unsupported dtype '|O' (object arrays")) << object;
  // The header lies about the shape: too little data, or too much.
  EXPECT_TRUE(has(parse_error(npy_raw(dict("<i4", "(3,)"), std::string(8, '\0'))),
                  "t.npy: truncated data (the header's shape and dtype give 12 bytes, there are 8)"));
  EXPECT_TRUE(has(parse_error(npy_raw(ok_dict, "abc")), "t.npy: 1 unexpected bytes after the data"));
  // Sizes whose product overflows are refused before anything is allocated.
  EXPECT_TRUE(has(parse_error(npy_raw(dict("<f8", "(100000, 100000, 100000)"), "")), "t.npy: .npy shape overflows"));
  EXPECT_TRUE(has(parse_error(npy_raw(dict("|u1", "(99999999999999999999,)"), "")), "too large (overflow)"));
  // Every message is one line.
  for (const auto& msg : {parse_error(npy_raw(ok_dict, "abc")), object}) EXPECT_EQ(msg.find('\n'), std::string::npos);
}

TEST(Npy, ReadNpyNamesTheFile) {
  TempDir tmp;
  write_bytes(tmp / "bad.npy", "not numpy at all");
  EXPECT_TRUE(has(error_of([&] { read_npy(tmp / "bad.npy"); }), (tmp / "bad.npy").string() + ": bad magic"));
  EXPECT_TRUE(has(error_of([&] { read_npy(tmp / "none.npy"); }), (tmp / "none.npy").string() + ": cannot open"));
}

// --- .npz ---

TEST(Npz, HandBuiltStoredArchive) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  const std::string a = npy_raw(dict("<i4", "(2,)"), le(5, 4) + le(static_cast<uint32_t>(-6), 4));
  const std::string b = npy_raw(dict("|u1", "(2, 2)", true), "\x01\x03\x02\x04");
  write_bytes(tmp / "h.npz", stored_zip({{"zeta.npy", a}, {"alpha.npy", b}}));
  EXPECT_EQ(list_npz(tmp / "h.npz"), (std::vector<std::string>{"zeta", "alpha"}));
  auto all = read_npz(tmp / "h.npz");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(values<int32_t>(all.at("zeta")), (std::vector<int32_t>{5, -6}));
  EXPECT_EQ(values<uint8_t>(all.at("alpha")), (std::vector<uint8_t>{1, 2, 3, 4}));
}

TEST(Npz, WriteReadRoundTripCompressedAndStored) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  std::map<std::string, torch::Tensor> arrays = {
      {"images", torch::randint(0, 256, {4, 5, 5}, torch::kInt64).to(torch::kUInt8)},
      {"labels", torch::arange(4, torch::kInt64).reshape({4, 1})},
      {"x", torch::randn({3, 2})},
  };
  for (bool compress : {true, false}) {
    const auto path = tmp / (compress ? "c.npz" : "s.npz");
    write_npz(path, arrays, compress);
    EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
    auto back = read_npz(path);
    ASSERT_EQ(back.size(), 3u);
    for (const auto& [name, t] : arrays) EXPECT_TRUE(torch::equal(back.at(name), t)) << name;
    EXPECT_EQ(list_npz(path), (std::vector<std::string>{"images", "labels", "x"}));
    EXPECT_TRUE(torch::equal(read_npz_member(path, "labels"), arrays.at("labels")));
  }
  // Compression shrinks a compressible array; storing does not.
  std::map<std::string, torch::Tensor> zeros = {{"z", torch::zeros({100000}, torch::kUInt8)}};
  write_npz(tmp / "zc.npz", zeros, true);
  write_npz(tmp / "zs.npz", zeros, false);
  EXPECT_LT(fs::file_size(tmp / "zc.npz"), 10000u);
  EXPECT_GT(fs::file_size(tmp / "zs.npz"), 100000u);
  // An empty archive is a valid zip with no members.
  write_npz(tmp / "e.npz", {});
  EXPECT_TRUE(list_npz(tmp / "e.npz").empty());
}

TEST(Npz, ReadingOneMemberDoesNotDecodeTheOthers) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  const std::string good = npy_raw(dict("|u1", "(1,)"), "\x07");
  const std::string broken = npy_raw(dict("<c8", "(1,)"), std::string(8, '\0'));
  write_bytes(tmp / "m.npz", stored_zip({{"broken.npy", broken}, {"good.npy", good}}));
  NpzReader npz(tmp / "m.npz");
  EXPECT_EQ(npz.read("good").item<uint8_t>(), 7);
  EXPECT_TRUE(has(error_of([&] { npz.read("broken"); }),
                  (tmp / "m.npz").string() + ": member 'broken.npy': unsupported dtype '<c8'"));
  EXPECT_TRUE(has(error_of([&] { read_npz(tmp / "m.npz"); }), "member 'broken.npy'"));
}

TEST(Npz, MissingMemberListsThoseThere) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  write_npz(tmp / "a.npz",
            {{"train_images", torch::zeros({1}, torch::kUInt8)}, {"train_labels", torch::zeros({1}, torch::kUInt8)}});
  const auto msg = error_of([&] { read_npz_member(tmp / "a.npz", "train_label"); });
  EXPECT_EQ(msg, (tmp / "a.npz").string() +
                     ": no member 'train_label' (members: train_images, train_labels); did you mean 'train_labels'?");
}

TEST(Npz, NotAZipAndEmptyFile) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  write_bytes(tmp / "n.npz", npy_raw(dict("|u1", "(1,)"), "\x07"));
  EXPECT_EQ(error_of([&] { read_npz(tmp / "n.npz"); }),
            (tmp / "n.npz").string() + ": not a zip archive (an .npz file is one)");
  write_bytes(tmp / "e.npz", "");
  EXPECT_TRUE(has(error_of([&] { read_npz(tmp / "e.npz"); }), (tmp / "e.npz").string() + ": empty file"));
  EXPECT_TRUE(has(error_of([&] { read_npz(tmp / "missing.npz"); }), (tmp / "missing.npz").string() + ": cannot open"));
}

TEST(Npz, CorruptMemberNamesTheMember) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  // A stored member with one data byte changed: libzip's CRC check fails on it.
  const std::string data = npy_raw(dict("|u1", "(4,)"), "abcd");
  std::string zip = stored_zip({{"x.npy", data}});
  const size_t at = zip.find("abcd");
  ASSERT_NE(at, std::string::npos);
  zip[at] = 'z';
  write_bytes(tmp / "crc.npz", zip);
  const auto msg = error_of([&] { read_npz(tmp / "crc.npz"); });
  EXPECT_TRUE(has(msg, (tmp / "crc.npz").string() + ": member 'x.npy': corrupt data (CRC error")) << msg;

  // A deflated archive cut short: the central directory is gone, so it is no zip at all.
  write_npz(tmp / "full.npz", {{"x", torch::randn({1000})}}, true);
  std::string whole = testing::read_file(tmp / "full.npz");
  write_bytes(tmp / "cut.npz", whole.substr(0, whole.size() / 2));
  EXPECT_TRUE(has(error_of([&] { read_npz(tmp / "cut.npz"); }), (tmp / "cut.npz").string() + ": "));

  // Deflated data corrupted in the middle: a decompression or CRC error naming the member.
  std::string bad = whole;
  const size_t mid = bad.find("x.npy") + 5 + 200;
  for (size_t i = mid; i < mid + 64; ++i) bad[i] = static_cast<char>(bad[i] ^ 0x5a);
  write_bytes(tmp / "bad.npz", bad);
  const auto bad_msg = error_of([&] { read_npz(tmp / "bad.npz"); });
  EXPECT_TRUE(has(bad_msg, (tmp / "bad.npz").string() + ": member 'x.npy': ")) << bad_msg;
}

// Sets the uncompressed size of the archive's only member (local header and central directory).
std::string with_declared_size(std::string zip, uint32_t size) {
  const size_t local = zip.find(std::string("PK\x03\x04", 4));
  const size_t central = zip.find(std::string("PK\x01\x02", 4));
  zip.replace(local + 22, 4, le(size, 4));
  zip.replace(central + 24, 4, le(size, 4));
  return zip;
}

TEST(Npz, MemberSizeDisagreeingWithItsDeclaredSize) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  write_npz(tmp / "d.npz", {{"x", torch::arange(100, torch::kInt32)}}, true);
  const std::string zip = testing::read_file(tmp / "d.npz");
  const uint32_t real = static_cast<uint32_t>(npy_bytes(torch::arange(100, torch::kInt32)).size());
  // Declared smaller than the data inflates to: the member is larger than its declared size.
  write_bytes(tmp / "small.npz", with_declared_size(zip, real - 40));
  const auto small = error_of([&] { read_npz(tmp / "small.npz"); });
  EXPECT_EQ(small, (tmp / "small.npz").string() + ": member 'x.npy': larger than its declared size (" +
                       std::to_string(real - 40) + " bytes)");
  // Declared larger: the data ends early.
  write_bytes(tmp / "large.npz", with_declared_size(zip, real + 40));
  const auto large = error_of([&] { read_npz(tmp / "large.npz"); });
  EXPECT_EQ(large, (tmp / "large.npz").string() + ": member 'x.npy': shorter than its declared size (" +
                       std::to_string(real) + " of " + std::to_string(real + 40) + " bytes)");
}

TEST(Npz, BuildWithoutLibzipSaysSo) {
  if (npz_supported()) GTEST_SKIP() << "built with libzip";
  TempDir tmp;
  EXPECT_TRUE(has(error_of([&] {
                    write_npz(tmp / "a.npz", {{"x", torch::zeros({1})}});
                  }),
                  (tmp / "a.npz").string() + ": .npz archives need libzip"));
  write_bytes(tmp / "b.npz", stored_zip({{"x.npy", npy_raw(dict("|u1", "(1,)"), "\x07")}}));
  EXPECT_TRUE(
      has(error_of([&] { read_npz(tmp / "b.npz"); }), (tmp / "b.npz").string() + ": .npz archives need libzip"));
}

// numpy's own np.save / np.savez / np.savez_compressed output, read back: skipped without numpy.
TEST(Npz, ReadsNumpysOwnFiles) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3 with numpy";
  TempDir tmp;
  const std::string script = R"PY(
import sys, numpy as np
d = sys.argv[1]
a = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
arrays = dict(
    u1=np.array([[0, 7, 255]], np.uint8), i1=np.array([-128, 5], np.int8), b1=np.array([True, False]),
    i2=a, i4=np.array([-1, 2**31 - 1], np.int32), i8=np.array([-2**40, 3], np.int64),
    u2=np.array([65535], np.uint16), u4=np.array([2**32 - 1], np.uint32), u8=np.array([2**63 - 1], np.uint64),
    f2=np.array([0.5, -2], np.float16), f4=np.array([1.5, -0.25], np.float32), f8=np.array([np.pi]),
    fortran=np.asfortranarray(a), big=np.array([1, 2, 3], '>i4'), scalar=np.float64(2.5), empty=np.zeros((0, 3)))
np.savez(d + '/stored.npz', **arrays)
np.savez_compressed(d + '/deflated.npz', **arrays)
np.save(d + '/fortran.npy', np.asfortranarray(a))
)PY";
  write_bytes(tmp / "make.py", script);
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (tmp / "make.py").string() + " " + tmp.path().string()).c_str()), 0);
  const auto a = torch::arange(24, torch::kInt16).reshape({2, 3, 4});
  for (const char* file : {"stored.npz", "deflated.npz"}) {
    auto m = read_npz(tmp / file);
    ASSERT_EQ(m.size(), 16u) << file;
    EXPECT_EQ(values<uint8_t>(m.at("u1")), (std::vector<uint8_t>{0, 7, 255}));
    EXPECT_EQ(m.at("u1").sizes(), (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(values<int8_t>(m.at("i1")), (std::vector<int8_t>{-128, 5}));
    EXPECT_EQ(values<bool>(m.at("b1")), (std::vector<bool>{true, false}));
    EXPECT_TRUE(torch::equal(m.at("i2"), a));
    EXPECT_EQ(values<int32_t>(m.at("i4")), (std::vector<int32_t>{-1, 2147483647}));
    EXPECT_EQ(values<int64_t>(m.at("i8")), (std::vector<int64_t>{-(int64_t{1} << 40), 3}));
    EXPECT_EQ(values<int32_t>(m.at("u2")), (std::vector<int32_t>{65535}));
    EXPECT_EQ(values<int64_t>(m.at("u4")), (std::vector<int64_t>{4294967295LL}));
    EXPECT_EQ(values<int64_t>(m.at("u8")), (std::vector<int64_t>{0x7fffffffffffffffLL}));
    EXPECT_EQ(values<float>(m.at("f2").to(torch::kFloat)), (std::vector<float>{0.5f, -2.0f}));
    EXPECT_EQ(values<float>(m.at("f4")), (std::vector<float>{1.5f, -0.25f}));
    EXPECT_EQ(m.at("f8").item<double>(), M_PI);
    EXPECT_TRUE(torch::equal(m.at("fortran"), a));
    EXPECT_EQ(values<int32_t>(m.at("big")), (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(m.at("scalar").dim(), 0);
    EXPECT_EQ(m.at("scalar").item<double>(), 2.5);
    EXPECT_EQ(m.at("empty").sizes(), (std::vector<int64_t>{0, 3}));
  }
  EXPECT_TRUE(torch::equal(read_npy(tmp / "fortran.npy"), a));

  // And numpy reads ours.
  write_npz(tmp / "ours.npz", {{"a", a}, {"f", torch::tensor({1.5f, -2.0f})}}, true);
  write_npy(tmp / "ours.npy", a.to(torch::kInt64));
  const std::string check =
      "import numpy as np, sys; d = sys.argv[1]; z = np.load(d + '/ours.npz'); "
      "a = np.arange(24, dtype=np.int16).reshape(2, 3, 4); "
      "assert (z['a'] == a).all() and z['a'].dtype == np.int16; "
      "assert (z['f'] == np.array([1.5, -2], np.float32)).all(); "
      "n = np.load(d + '/ours.npy'); assert n.dtype == np.int64 and (n == a).all()";
  EXPECT_EQ(std::system(("/usr/bin/python3 -c \"" + check + "\" " + tmp.path().string()).c_str()), 0);
}

}  // namespace
}  // namespace latent
