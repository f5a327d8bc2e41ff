"""CPU kernels for placeholders, identity, shape queries and packing: numpy is the kernel."""

from graphflow.kernels.cpu import use_reference

use_reference("Const", "Identity", "StopGradient", "PlaceholderWithDefault", "NoOp", "Shape",
              "Size", "Rank", "Pack", "Unpack")
use_reference("BroadcastGradientArgs", "DynamicStitch", "StridedSliceGrad", "UnsortedSegmentSum",
              "InvertPermutation", "MirrorPadGrad")
