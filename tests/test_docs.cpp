// The committed references are generated from the registry, the output table and the data dictionary,
// and docs/validation.md by running the shipped trials; regenerate them with the commands in the
// messages below.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "output/dictionary.hpp"
#include "output/outputs.hpp"
#include "sim/registry/registry.hpp"
#include "tests/cli_test_helpers.hpp"

namespace {
// The first line where two texts differ, for a short failure message.
std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0, line = 1;
  while (i < a.size() && i < b.size() && a[i] == b[i]) line += a[i++] == '\n';
  const auto cut = [&](const std::string& s) { return s.substr(s.rfind('\n', i) + 1, 160); };
  return "line " + std::to_string(line) + ":\n  committed: " + cut(a) + "\n  generated: " + cut(b);
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}
}  // namespace

TEST(Docs, ParameterReferenceIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/parameters.md");
  const std::string generated = percorsi::registry_markdown();
  EXPECT_TRUE(committed == generated) << "docs/parameters.md is stale: run `build/sim/percorsi params > docs/parameters.md`; "
                                      << first_difference(committed, generated);
}

TEST(Docs, DataDictionaryIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/data-dictionary.md");
  const std::string generated = percorsi::out::dictionary_markdown();
  EXPECT_TRUE(committed == generated)
      << "docs/data-dictionary.md is stale: run `build/sim/percorsi params --dictionary > docs/data-dictionary.md`; "
      << first_difference(committed, generated);
}

TEST(Docs, OutputReferenceIsCurrent) {
  const std::string committed = slurp(std::string(PERCORSI_SOURCE_DIR) + "/docs/outputs.md");
  const std::string generated = percorsi::out::outputs_markdown();
  EXPECT_TRUE(committed == generated) << "docs/outputs.md is stale: run `build/sim/percorsi params --outputs > docs/outputs.md`; "
                                      << first_difference(committed, generated);
}

TEST(Docs, RegistryEntriesAreComplete) {
  for (const auto& p : percorsi::registry()) {
    EXPECT_FALSE(p.description.empty()) << p.path;
    EXPECT_FALSE(p.source.empty()) << p.path;
    if (p.kind == percorsi::Kind::Real || p.kind == percorsi::Kind::Int || p.kind == percorsi::Kind::Duration) {
      EXPECT_LE(p.min, p.max) << p.path;
    }
  }
}

// docs/validation.md is `percorsi validation`'s output: every shipped trial run with the default
// parameters (a few seconds), compared with the committed page.
TEST(Docs, ValidationPageIsCurrent) {
  const std::string src = PERCORSI_SOURCE_DIR;
  const std::string page = testing::TempDir() + "validation-" + std::to_string(::getpid()) + ".md";
  const std::string cmd = "cd '" + src + "' && " + PERCORSI_BIN + " validation --quiet --out '" + page + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const std::string committed = slurp(src + "/docs/validation.md"), generated = slurp(page);
  std::remove(page.c_str());
  EXPECT_TRUE(committed == generated)
      << "docs/validation.md is stale: run `build/sim/percorsi validation` from the repository root (it rewrites "
         "docs/validation.md from docs/validation.in.md and the shipped trials); "
      << first_difference(committed, generated);
}

// README.md says how many published targets the defaults meet, as docs/validation.md counts them.
TEST(Docs, ReadmeGivesTheValidationCount) {
  const std::string src = PERCORSI_SOURCE_DIR;
  const std::regex count("meet ([0-9]+) of ([0-9]+) published targets");
  std::smatch readme, page;
  const std::string r = slurp(src + "/README.md"), v = slurp(src + "/docs/validation.md");
  ASSERT_TRUE(std::regex_search(r, readme, count)) << "README.md has no sentence 'meet N of M published targets'";
  ASSERT_TRUE(std::regex_search(v, page, count)) << "docs/validation.md has no count";
  EXPECT_EQ(readme.str(0), page.str(0)) << "README.md says '" << readme.str(0) << "', docs/validation.md '" << page.str(0)
                                        << "': copy the count into README.md";
}

// The command's text report, and a template without its markers (exit 2, naming the marker).
TEST(Docs, ValidationCommandTextAndTemplateErrors) {
  percorsi::cli_test::TempDir d;
  const std::string trials = PERCORSI_SOURCE_DIR + std::string("/scenarios/trials");
  auto r = percorsi::cli_test::sh("validation --format text --replicates 2 --quiet --trials " + trials);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("trial italy_unemployed: cohort of 1000"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("The default parameters meet [0-9]+ of 8 published targets"))) << r.out;
  const std::string templ = d.write("t.md", "{{count}}\n{{summary}}\n");
  r = percorsi::cli_test::sh("validation --replicates 2 --quiet --trials " + trials + " --template " + templ + " --out " +
                         (d.path / "v.md").string());
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.out.find("the validation template has no marker {{replicates}}"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(d.path / "v.md"));
}
