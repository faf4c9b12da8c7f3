/*
 * fingerprint.h - near-duplicate fingerprints of article bodies: a 64-bit
 * SimHash of the body's word 3-shingles, so that a wire story sent again
 * with a corrected word, a changed figure or an added sentence lands a
 * few bits away from the original while any other story lands about 32
 * bits away.
 */
#ifndef MORGUE_FINGERPRINT_H
#define MORGUE_FINGERPRINT_H

#include <stdint.h>

/* The largest Hamming distance at which two bodies count as near-
 * duplicates.  SimHash moves by about 64 * angle / pi bits, the angle
 * being between the two texts' shingle counts: a one-word edit in a
 * 120-word story changes 3 of its 118 shingles, 4-5 bits on average, and
 * an added 16-word sentence about 7.  The 3 bits often quoted for 64-bit
 * SimHash were chosen for long web pages and miss most wire-story
 * updates.  Unrelated bodies differ in 32 +- 4 bits; 6 or fewer happens
 * by chance to fewer than 1 pair in 10^11.
 * On Reuters-21578 (19,043 bodies, every pair) the 473 pairs at 6 or
 * fewer are all one story sent again, trimmed or corrected (3-shingle
 * Jaccard >= 0.5); they include 99% of the pairs with Jaccard >= 0.9 and
 * 93% of those >= 0.8.  From 8 on, different stories written on one
 * template (dividend notices, weekly figures) and chance pairs appear.
 * Bodies of under 30 words (dividend and earnings tables) can match for
 * different companies: callers should not collapse those on the body
 * alone. */
#define FP_NEAR 6

/* The SimHash of text's word 3-shingles, each shingle weighted equally.
 * A word is a run of letters and digits (Unicode categories L and N,
 * with combining marks inside a word), case-folded and stripped of
 * accents, so punctuation, case, accents and spacing do not count.
 * Invalid UTF-8 bytes separate words.  Text of one or two words hashes
 * the words themselves; text with no word (NULL, "", "...") gives 0,
 * and text with a word never gives 0, so 0 can mean "no fingerprint".
 * Linear in the length, allocates nothing, can't fail. */
uint64_t fp_simhash(const char *text);

/* The number of bits in which a and b differ (0..64). */
int fp_distance(uint64_t a, uint64_t b);

#endif
