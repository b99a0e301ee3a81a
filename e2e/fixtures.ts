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
