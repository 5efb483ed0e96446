// The training loop's keys and their reading into a TrainingSpec.
#include "latent/training/training_spec.h"

namespace latent {

namespace {
constexpr double kBig = 1e9;
}  // namespace

const std::vector<KeyDef>& training_keys() {
  static const std::vector<KeyDef> kKeys = {
      integer_key("training.epochs", 5, "passes over the training set", 1, 1e6),
      integer_key("training.batch_size", 256, "examples per step", 1, 1e7),
      float_key("training.lr", 1e-3, "learning rate", 1e-12, 10.0),
      string_key("training.optimizer", "adam", "adam or sgd", {"adam", "sgd"}),
      float_key("training.momentum", 0.9, "SGD momentum", 0.0, 0.999999),
      float_key("training.weight_decay", 0.0, "L2 weight decay", 0.0, 1.0),
      string_key(
          "training.schedule", "none",
          "learning-rate schedule: none, step (x gamma every step_size epochs), multistep (x gamma at each of "
          "training.milestones), cosine (cosine annealing from lr to min_lr over the epochs) or plateau (x "
          "plateau_factor after plateau_patience epochs without a better training.monitor)",
          {"none", "step", "multistep", "cosine", "plateau"}),
      {"training.milestones", KeyType::kIntegerList, IntList{},
       "multistep schedule: the epochs after which lr is multiplied by gamma (empty: at 50% and 75% of "
       "training.epochs, as MedMNIST's benchmark)",
       [](const KeyValue& v) -> std::string {
         int64_t last = 0;
         for (int64_t m : std::get<IntList>(v)) {
           if (m <= last) return "milestones must be increasing epochs >= 1, got " + std::to_string(m);
           last = m;
         }
         return "";
       }},
      integer_key("training.step_size", 10, "step schedule: epochs between decays", 1, 1e6),
      float_key("training.gamma", 0.1, "step and multistep schedules: decay factor", 1e-6, 1.0),
      integer_key("training.plateau_patience", 2, "plateau schedule: epochs without improvement before a decay", 0,
                  1e6),
      float_key("training.plateau_factor", 0.1, "plateau schedule: decay factor", 1e-6, 0.999999),
      float_key("training.min_lr", 0.0, "plateau and cosine schedules: lowest learning rate", 0.0, 10.0),
      integer_key(
          "training.early_stopping_patience", 0,
          "stop after N epochs without a better training.monitor (0: off; a validation monitor needs data.val_split > 0)",
          0, 1e6),
      integer_key(
          "training.checkpoint_every", 1,
          "epochs between training-state checkpoints (train_state.pt, for 'latent run --resume'); also after the last epoch",
          1, 1e6),
      float_key("training.clip_norm", 0.0,
                "clip the gradients to this total L2 norm before each optimizer step (0: off)", 0.0, kBig),
      string_key(
          "training.keep", "last",
          "the weights the run ends with (tested and saved): last (after the last epoch) or best (the epoch with the best "
          "training.monitor)",
          {"last", "best"}),
      string_key(
          "training.monitor", "val_loss",
          "the history column that early stopping, the plateau schedule and keep = best watch (val_loss, or a column of the "
          "study kind such as val_accuracy; its direction comes from the kind; a val_ column falls back to its train_ one "
          "when there is no validation set)"),
      integer_key("evaluation.batch_size", 1000, "batch size of evaluation passes", 1, 1e7),
  };
  return kKeys;
}

TrainingSpec TrainingSpec::from_values(const KeyValues& v) {
  TrainingSpec s;
  s.epochs = v.get<int64_t>("training.epochs");
  s.batch_size = v.get<int64_t>("training.batch_size");
  s.lr = v.get<double>("training.lr");
  s.optimizer = v.get<std::string>("training.optimizer");
  s.momentum = v.get<double>("training.momentum");
  s.weight_decay = v.get<double>("training.weight_decay");
  s.schedule = v.get<std::string>("training.schedule");
  s.step_size = v.get<int64_t>("training.step_size");
  s.milestones = v.get<IntList>("training.milestones");
  if (s.milestones.empty()) s.milestones = {std::max<int64_t>(1, s.epochs / 2), std::max<int64_t>(1, 3 * s.epochs / 4)};
  s.gamma = v.get<double>("training.gamma");
  s.plateau_patience = v.get<int64_t>("training.plateau_patience");
  s.plateau_factor = v.get<double>("training.plateau_factor");
  s.min_lr = v.get<double>("training.min_lr");
  s.early_stopping_patience = v.get<int64_t>("training.early_stopping_patience");
  s.checkpoint_every = v.get<int64_t>("training.checkpoint_every");
  s.clip_norm = v.get<double>("training.clip_norm");
  s.keep = v.get<std::string>("training.keep");
  s.monitor = v.get<std::string>("training.monitor");
  s.eval_batch_size = v.get<int64_t>("evaluation.batch_size");
  return s;
}

}  // namespace latent
