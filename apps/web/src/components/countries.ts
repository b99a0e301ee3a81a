// The country picker's options: every ISO-3166-1 alpha-2 code the API accepts, with its English name.
import { COUNTRY_CODES } from "@adclicks/core";

const names = new Intl.DisplayNames(["en"], { type: "region" });

export const COUNTRY_OPTIONS: readonly { code: string; name: string }[] = [...COUNTRY_CODES]
  .map((code) => ({ code, name: names.of(code) ?? code }))
  .sort((a, b) => a.name.localeCompare(b.name, "en"));

export const countryName = (code: string) => names.of(code) ?? code;
