#!/usr/bin/env Rscript
# Reading Percorsi results in R: the HDF5 file directly (Debian's r-cran-hdf5r) and the tidy CSV
# tables of `percorsi export` (base R, one line each).
#
#   build/sim/percorsi run scenarios/piemonte/step_model.yaml scenarios/piemonte/housing_first.yaml --out results/x.h5
#   build/sim/percorsi export results/x.h5 --out results/x_csv
#   Rscript examples/analysis/read_results.R results/x.h5 results/x_csv
args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 2) stop("usage: read_results.R FILE.h5 CSV_DIR")
h5 <- args[1]
dir <- args[2]

# 1. The tidy CSV tables.
summary <- read.csv(file.path(dir, "summary.csv"))   # scenario x indicator, numbers
weekly <- read.csv(file.path(dir, "weekly.csv"))     # long: scenario, replicate, week, territory, series, value
persons <- read.csv(file.path(dir, "persons.csv"))   # one row per person and replicate, labelled categories
s <- summary[summary$indicator == "stably_housed_12m", c("scenario", "mean", "ci_low", "ci_high", "diff")]
cat("stably_housed_12m from summary.csv:\n")
print(s, row.names = FALSE)
street <- weekly[weekly$series == "housing_street" & weekly$week == max(weekly$week), ]
cat("people sleeping rough in the last week, mean over replicates:\n")
print(aggregate(value ~ scenario, data = aggregate(value ~ scenario + replicate, data = street, FUN = sum), FUN = mean))
cat("housing at the end (counts over replicates):\n")
print(table(persons$scenario, persons$housing_final))

# 2. The HDF5 file itself (scenarios/<name>/summary/<indicator> with attributes mean, ci_low,
#    ci_high, n; NaN when undefined).
if (requireNamespace("hdf5r", quietly = TRUE)) {
  f <- hdf5r::H5File$new(h5, mode = "r")
  for (sc in names(f[["scenarios"]])) {
    d <- f[[paste0("scenarios/", sc, "/summary/stably_housed_12m")]]
    a <- hdf5r::h5attributes(d)
    cat(sprintf("%s from the HDF5 file: mean %.4f [%.4f, %.4f], n = %d\n", sc, a$mean, a$ci_low, a$ci_high, a$n))
    # HDF5 stores [weeks, territories] row-major; hdf5r gives the transposed [territories, weeks].
    street_h5 <- f[[paste0("scenarios/", sc, "/replicates/r0000/weekly/housing_street")]][, ]
    cat(sprintf("  %s replicate 0: %d territories x %d weeks of housing_street\n", sc, nrow(street_h5), ncol(street_h5)))
  }
  f$close_all()
} else {
  cat("hdf5r not installed (Debian: r-cran-hdf5r): HDF5 part skipped\n")
}
