/*
 * fingerprint.h - near-duplicate fingerprints of articles: a 64-bit
 * SimHash of the words of the title and body (each word once per use,
 * without the most common words), so that a wire story republished with
 * a changed word, a corrected figure or an added sentence lands a few bits
 * away from the original.  Words rather than shingles: news stories are
 * short, and a one-word edit changes three of a hundred shingles but only
 * one or two words, which keeps republished copies within a few bits.
 */
#ifndef MORGUE_FINGERPRINT_H
#define MORGUE_FINGERPRINT_H

#include <stdint.h>

/* The largest Hamming distance at which two articles are near-duplicates.
 * Measured on Reuters-21578 (docs/relevance.md): republished stories with
 * a changed figure or sentence lie 0-3 bits apart; different stories,
 * even on the same subject, 15 or more. */
#define FP_NEAR 3

/* The SimHash of text's words (letters and digits, case-folded for ASCII;
 * punctuation, spacing and the most common words don't count); "" (or no
 * word) gives 0. */
uint64_t fp_simhash(const char *text);

/* The number of bits in which a and b differ (0..64). */
int fp_distance(uint64_t a, uint64_t b);

#endif
