import { test } from 'tap'
import { clip, cut, MAX_ECHO, wellFormed } from '../../../core/input/clip.js'

const EMOJI = '😀'

test('a cut counts code points, so it never falls between the two halves of an emoji', async (t) => {
  const text = `${'x'.repeat(MAX_ECHO - 1)}${EMOJI}${EMOJI}`
  const cutText = clip(text)
  t.equal(cutText, `${'x'.repeat(MAX_ECHO - 1)}${EMOJI}…`)
  t.ok(cutText.isWellFormed())
  t.equal(cut(EMOJI.repeat(10), 3), `${EMOJI.repeat(3)}…`)
  t.equal(cut(EMOJI.repeat(3), 3), EMOJI.repeat(3), 'three code points are not cut at three, although they are six units')
  t.equal(clip('short'), 'short')
})

test('lone surrogates are replaced, at the cut and anywhere else, while whole pairs stay', async (t) => {
  t.equal(wellFormed('a\ud800b'), 'a\ufffdb')
  t.equal(wellFormed('\udc00'), '\ufffd')
  t.equal(wellFormed(`ok ${EMOJI}`), `ok ${EMOJI}`)
  t.equal(cut(`\ud83d${'y'.repeat(300)}`, 5), '\ufffdyyyy…')
  t.equal(cut('ab\ud800', 10), 'ab\ufffd')
  // What JSON.stringify writes for a well-formed text has no \ud8xx escape for Redis's cjson to refuse.
  t.notMatch(JSON.stringify(clip(`${'x'.repeat(MAX_ECHO - 1)}${EMOJI}`.slice(0, MAX_ECHO))), /\\ud8/)
})
