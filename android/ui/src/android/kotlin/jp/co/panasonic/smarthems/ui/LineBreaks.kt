package jp.co.panasonic.smarthems.ui

import androidx.compose.ui.text.style.LineBreak

// Android: Japanese is broken between phrases (文節), never inside a word such as 「ログイン」 —
// LineBreakConfig's phrase word style (Android 13+; earlier versions break as before), for text
// in a Japanese locale. Compose exposes it as LineBreak.WordBreak.Phrase on Android only, so this
// file is in the Android source set (ui/build.gradle.kts); the desktop build has its own.

/** Body text: the best line breaks, strict kinsoku, whole phrases. */
internal val ParagraphBreak = LineBreak(
    strategy = LineBreak.Strategy.HighQuality,
    strictness = LineBreak.Strictness.Strict,
    wordBreak = LineBreak.WordBreak.Phrase,
)

/** Titles and button labels: balanced lines of whole phrases (Compose's Heading preset). */
internal val HeadingBreak = LineBreak(
    strategy = LineBreak.Strategy.Balanced,
    strictness = LineBreak.Strictness.Strict,
    wordBreak = LineBreak.WordBreak.Phrase,
)
