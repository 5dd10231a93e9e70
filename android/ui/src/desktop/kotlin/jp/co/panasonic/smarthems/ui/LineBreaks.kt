package jp.co.panasonic.smarthems.ui

import androidx.compose.ui.text.style.LineBreak

// Desktop (the screenshot test): Compose for Desktop's text has no phrase-based word break (its
// LineBreak has only the presets), so Japanese may break inside a word in the renders; on
// Android the same text breaks between phrases (src/android/kotlin/.../LineBreaks.kt).

internal val ParagraphBreak = LineBreak.Paragraph

internal val HeadingBreak = LineBreak.Heading
