/**
 * The hit / stale / miss decision both read scripts share (CACHE_READ for the library, CACHE_LOOKUP for
 * the gate), as Lua text interpolated into each source — one copy to review, and the resulting script
 * texts (hence their pinned SHA-1s) are exactly what they were when each spelled it out.
 * Expects the locals `raw` (the entry, or false), `known` (version key → token) and `now`; sets `outcome`
 * to hit | stale | miss | expired | invalid | corrupt. Mirrored in TypeScript by envelope.ts for the
 * in-memory fallback.
 */
export const ENTRY_DECISION_LUA = `local outcome = "miss"
if raw then
  local ok, entry = pcall(cjson.decode, raw)
  if not ok or type(entry) ~= "table" or entry.k ~= "ek1" or type(entry.f) ~= "number" or type(entry.s) ~= "number" then
    outcome = "corrupt"
  else
    local valid = entry.n == known[KEYS[3]]
    if valid and type(entry.g) == "table" then
      for tagKey, token in pairs(entry.g) do
        local current = known[tagKey]
        if current == nil then current = redis.call("GET", tagKey) end
        if current ~= token then
          valid = false
          break
        end
      end
    end
    if not valid then
      outcome = "invalid"
    elseif now < entry.f then
      outcome = "hit"
    elseif now < entry.s then
      outcome = "stale"
    else
      outcome = "expired"
    end
  end
end
`;
