// The live clicks the browser tests expect to see. Country AQ (Antarctica) keeps them apart from
// the demo generator's traffic in the shared database.
export const E2E_CLICKS = [
  { adId: "ad-3", country: "AQ", clicks: 42 },
  { adId: "ad-7", country: "AQ", clicks: 17 },
  { adId: "ad-30", country: "AQ", clicks: 99 },
] as const;

/** Advertiser A owns ad-1..ad-25; B owns ad-26..ad-50 (see packages/db/src/seed.ts). */
export const OWN_ADS_A = ["ad-3", "ad-7"];
export const OTHER_ADS_A = ["ad-30"];

/**
 * Dead letters the ops view must show (and fit a phone with): the longest reasons the parser
 * gives, with a detail and a long payload. Their source marks them for the teardown to delete.
 */
export const E2E_DEAD_LETTER_SOURCE = "e2e-fixture";
export const E2E_DEAD_LETTERS = [
  { reason: "missing_field:click_timestamp", detail: null, payload: `{"ad_id":"ad-3","user_id":"${"u".repeat(300)}"}` },
  {
    reason: "bad_timestamp",
    detail: "click_timestamp: ISO-8601 with offset, or epoch ms",
    payload: '{"ad_id":"ad-7","click_timestamp":"yesterday"}',
  },
] as const;
