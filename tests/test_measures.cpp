// The outcome measures' definitions (sim/model/measures.hpp), at the edges of their windows:
// the headline indicators and the trial measures both compute through these, so a change here
// changes both, and these tests say what each definition is.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/model/measures.hpp"

using namespace percorsi;
using measures::kNever;

TEST(Measures, ObservedThroughAWindowMeansPresentAtTheEndOfItsLastWeek) {
  // Entered in week 10: 52 weeks after entry is the end of week 61.
  EXPECT_TRUE((measures::Observation{10, -1, 62}.through(52)));   // the run reached the end of week 61
  EXPECT_FALSE((measures::Observation{10, -1, 61}.through(52)));  // it stopped one week short
  EXPECT_TRUE((measures::Observation{10, 62, 100}.through(52)));  // left in week 62: present at the end of 61
  EXPECT_FALSE((measures::Observation{10, 61, 100}.through(52)));  // left in week 61: last seen at the end of 60
  const measures::Observation left{0, 5, 20};
  EXPECT_TRUE(left.seen_at_end_of(4));
  EXPECT_FALSE(left.seen_at_end_of(5));
  EXPECT_FALSE((measures::Observation{0, -1, 20}.seen_at_end_of(20)));  // week 20 has not run
  EXPECT_TRUE((measures::Observation{0, -1, 20}.seen_at_end_of(19)));
}

TEST(Measures, TheStateAWindowAfterEntryIsTakenAtTheEndOfItsLastWeek) {
  EXPECT_TRUE(measures::closes(3, 54, 52));
  EXPECT_FALSE(measures::closes(3, 55, 52));
  EXPECT_FALSE(measures::closes(3, 53, 52));
  EXPECT_TRUE(measures::closes(0, 0, 1));
}

TEST(Measures, AChangeWithinAWindowHappenedInOneOfItsWeeksOrWasHeldAtEntry) {
  EXPECT_TRUE(measures::within(10, 10, 78));   // in the week of entry
  EXPECT_TRUE(measures::within(10, 87, 78));   // in the window's last week
  EXPECT_FALSE(measures::within(10, 88, 78));  // one week after it
  EXPECT_FALSE(measures::within(10, kNever, 78));
  EXPECT_TRUE(measures::within(0, -1, 78));  // held at entry (a week before it)
  EXPECT_EQ(measures::dated(-1), kNever);
  EXPECT_EQ(measures::dated(-2), kNever);
  EXPECT_EQ(measures::dated(0), 0);
  EXPECT_EQ(measures::dated(17), 17);
}

TEST(Measures, DurationsFromEntryDateAChangeAtTheMiddleOfItsWeek) {
  EXPECT_DOUBLE_EQ(measures::weeks_to(10, 10), 0.5);
  EXPECT_DOUBLE_EQ(measures::weeks_to(10, 14), 4.5);
  EXPECT_DOUBLE_EQ(measures::weeks_to(10, 9), 0.0);  // held at entry
  EXPECT_DOUBLE_EQ(measures::days_to(0, 2), 17.5);
  EXPECT_DOUBLE_EQ(measures::days_to(5, 4), 0.0);
}

TEST(Measures, AReturnCountsInTheWeeksFromTheFirstHousingToTheWindowsEnd) {
  EXPECT_TRUE(measures::returned_within(20, 20, 52));  // a later phase of the same week
  EXPECT_TRUE(measures::returned_within(20, 72, 52));
  EXPECT_FALSE(measures::returned_within(20, 73, 52));
  EXPECT_FALSE(measures::returned_within(20, 19, 52));
  // The window's weeks 20..72 have all run only in a run of 73 weeks or more.
  EXPECT_TRUE(measures::window_fits(20, 52, 73));
  EXPECT_FALSE(measures::window_fits(20, 52, 72));
}

TEST(Measures, ARatioIsNotANumberWhenNoOneIsCountedAndItsDenominatorIsThePeopleCounted) {
  measures::Ratio r;
  EXPECT_TRUE(std::isnan(r.value()));
  EXPECT_EQ(r.den, 0);
  r.add(1), r.add(0), r.add(0), r.add(1);
  EXPECT_DOUBLE_EQ(r.value(), 0.5);
  EXPECT_EQ(r.den, 4);
  r.add(3.5);
  EXPECT_DOUBLE_EQ(r.value(), 5.5 / 5);
  EXPECT_DOUBLE_EQ(measures::months(52), 12);
  EXPECT_DOUBLE_EQ(measures::months(13), 3);
  EXPECT_DOUBLE_EQ(measures::years(26), 0.5);
}
