#!/usr/bin/python3
"""PyTorch 1.13 reference values for the convolutional models (Runtime.Tests/Models/CnnGoldenTests.cs).

    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 scripts/golden_cnn.py

Cases, each built here with the same layers and state_dict names as its C# model:
  LeNet5                  Models/LeNet5.cs (scripts/pytorch_cnn.py's LeNet5)
  NormalizedCnnNoDropout  Models/NormalizedCnn.cs without its Dropout(0.25) (Runtime.Tests/Models/CnnModels.cs): our
                          dropout draws from our own generator, not PyTorch's, so train mode is compared without it
  CnnOpsNet               Runtime.Tests/Models/CnnModels.cs: a bias-free convolution, a dilated grouped one, a residual
                          Add of two images, Dropout2d(0), a strided convolution, BatchNorm2d(momentum=0.2), AvgPool2d
                          with padding, a channel Concat, MaxPool2d with padding and dilation, AdaptiveAvgPool2d(1)
  AdaptivePoolCnn         Runtime.Tests/Models/CnnModels.cs: AvgPool2d(3, stride 1, padding 1, count_include_pad=False),
                          AdaptiveAvgPool2d to sizes that do not divide (7 x 7 to 3 x 3, overlapping windows; 3 x 3 to
                          4 x 5, larger than the input); its loss is the summed
                          cross-entropy (reduction "sum"), as the C# model declares
  CeilPoolCnn             Runtime.Tests/Models/CnnModels.cs: MaxPool2d(2, ceil_mode=True) over a 9 x 16 map right after
                          a padded ReLU convolution of the input, AvgPool2d(3, stride 2, padding 1, ceil_mode=True) whose
                          last windows run past the padded input; summed cross-entropy
  RectangularCnn          Runtime.Tests/Models/CnnModels.cs: PyTorch's tuple options on a 10 x 13 input, Conv2d((3, 5),
                          padding='same', dilation=(3, 1)), MaxPool2d((2, 3), stride 2, padding (0, 1)), Conv2d((1, 3),
                          stride (2, 1), padding (1, 0), dilation (1, 2)), AvgPool2d((2, 1), padding (1, 0),
                          count_include_pad=False); summed cross-entropy
  PaddedCnn               Runtime.Tests/Models/CnnModels.cs: ZeroPad2d((1, 2, 0, 1)), Conv2d(4, padding='same') (an even
                          kernel: PyTorch pads one more row and column at the end), MaxPool2d(2), Conv2d((2, 3),
                          padding='same'), ZeroPad2d((-1, 0, 1, -1)) (a crop); summed cross-entropy
  GroupNormCnn            Runtime.Tests/Models/CnnModels.cs: GroupNorm(4, 8) with a ReLU after it, GroupNorm(3, 6,
                          affine=False), GroupNorm(2, 24, eps=1e-3) over flat features with a Tanh; summed cross-entropy
  InstanceNormCnn         Runtime.Tests/Models/CnnModels.cs: InstanceNorm2d(4) (no affine, no running statistics) and a
                          Tanh, InstanceNorm2d(4, eps=1e-3, affine=True) and a Tanh; summed cross-entropy
  TransposedCnn           Runtime.Tests/Models/CnnModels.cs: a strided Conv2d down, ConvTranspose2d(4, 4, 3, stride=2,
                          padding=1, output_padding=1) up with a Tanh, ConvTranspose2d(4, 2, (2, 3), stride=(1, 2),
                          groups=2, bias=False); summed cross-entropy
  UpsampleCnn             Runtime.Tests/Models/CnnModels.cs: Upsample(scale_factor=2) between two convolutions, then
                          Upsample(scale_factor=(1, 3)) and AvgPool2d(2); summed cross-entropy
  EdgePaddedCnn           Runtime.Tests/Models/CnnModels.cs: ReflectionPad2d(2), ReplicationPad2d((1, 0, 2, 1)) and
                          ReflectionPad2d((-1, 2, 1, -1)) (a crop on two sides) around two convolutions; summed cross-entropy
  PaddingModeCnn          Runtime.Tests/Models/CnnModels.cs: Conv2d padding_mode='reflect' (padding 2), 'replicate' with
                          padding='same' and a (2, 4) kernel, 'circular' with stride 2 and no bias; summed cross-entropy
  BilinearCnn             Runtime.Tests/Models/CnnModels.cs: UpsampleCnn with mode='bilinear', the second upsampling with
                          align_corners=True; summed cross-entropy
  TrackedInstanceNormCnn  Runtime.Tests/Models/CnnModels.cs: InstanceNormCnn with track_running_stats=True (momentum 0.3 and
                          affine for the first, running statistics moved off their defaults): eval mode normalizes with them
  ResNetDownsampleCnn     Runtime.Tests/Models/CnnModels.cs: ResNet's downsampling block, a stride-2 main path (two 3 x 3
                          convolutions with batch norms) and a stride-2 1 x 1 convolution with a batch norm on the
                          shortcut, which reads the stem's output ([From]), added and ReLU-ed; summed cross-entropy
  MobileNetV2Cnn          Runtime.Tests/Models/CnnModels.cs: MobileNetV2's inverted residual blocks, 1 x 1 expansions,
                          depthwise 3 x 3 convolutions (stride 1 with a residual Add, then stride 2) and 1 x 1 projections,
                          each with a batch norm, ReLU6 after the first two; summed cross-entropy
  SizedUpsampleCnn        Runtime.Tests/Models/CnnModels.cs: Upsample(size=(7, 9)) nearest from 5 x 6, Upsample(size=(4, 5))
                          bilinear down, Upsample(size=(5, 7), align_corners=True) bilinear; summed cross-entropy
  AdaptiveMaxPoolCnn      Runtime.Tests/Models/CnnModels.cs: AdaptiveMaxPool2d((3, 3)) over 7 x 7 (overlapping windows), then
                          fastai's concat pool head, torch.cat([AdaptiveAvgPool2d(1), AdaptiveMaxPool2d(1)]) of the same map
                          ([From] and [Concat]); summed cross-entropy
  SqueezeExciteCnn        Runtime.Tests/Models/CnnModels.cs: a squeeze-and-excitation block of 1 x 1 convolutions
                          (x * sigmoid(...) with a [N, 8, 1, 1] gate), one of linear layers (a flat [N, 8] gate viewed as
                          [N, 8, 1, 1]), and an elementwise gate sigmoid(conv(x)) * x ([Multiply]); summed cross-entropy
  MobileNetV3Cnn          Runtime.Tests/Models/CnnModels.cs: MobileNetV3's bottleneck, a 1 x 1 expansion and a depthwise 3 x 3
                          convolution with batch norms and Hardswish, a squeeze-and-excitation block gated by Hardsigmoid,
                          a 1 x 1 projection with a batch norm and the block's input added back; summed cross-entropy
  SpatialGateCnn          Runtime.Tests/Models/CnnModels.cs: CBAM's spatial attention, a one-channel sigmoid map [N, 1, H, W]
                          times every channel, with the map as either factor ([Multiply]); summed cross-entropy
  DecoderCnn              Runtime.Tests/Models/CnnModels.cs: a linear layer's features unflattened to a 1 x 4 x 8 image
                          (nn.Unflatten), ConvTranspose2d up and a strided Conv2d down, the linear features concatenated
                          back before the head; summed cross-entropy
Weights: PyTorch's default init after torch.manual_seed(seed), batch norm weight/bias moved off 1/0 and its running
statistics and num_batches_tracked (2) set to non-default values. A fixed batch of 8 (images in [0,1) for the digit
models, N(0,1) for CnnOpsNet) and labels. Per case:
  cnn_{name}.safetensors           the initial state_dict, which the C# test loads with ModelWeights.Load
  cnn_{name}_expected.safetensors  inputs, labels (I64), eval_logits (model.eval() on the initial weights), loss,
                                   grad.{p} (every parameter's gradient of one train-mode step, CrossEntropyLoss with
                                   the case's reduction, mean unless said),
                                   after.{p} (every parameter after one Adam(lr=1e-3) step), buffer.{b} (every buffer
                                   after the step), eval_logits_after (model.eval() after the step)
  cnn.json                         per case: the loss, the parameters whose gradient is zero in exact arithmetic (a
                                   convolution bias followed by batch norm: Adam's first step, m/(sqrt(v)+eps), turns
                                   their rounding noise into steps of up to lr, so their values after the step are not
                                   comparable); and, if Runtime.Tests/Golden/staticgrad_cnn_{name}.safetensors exists
                                   (the C# model after the same step, saved by ModelWeights.Save; `UPDATE_GOLDEN=1
                                   dotnet test --filter CnnGoldenTests` writes it), the eval logits PyTorch computes
                                   with it after load_state_dict(strict=True): staticgrad_eval_logits
All float32 with torch.set_num_threads(1); two runs give identical files.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import json  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pytorch_cnn import LeNet5  # noqa: E402
from pytorch_safetensors import load_file, save_file  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Runtime.Tests", "Golden")
BATCH = 8
LR = 1e-3


class CnnOpsNet(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs CnnOpsNet: input [2, 12, 12], 5 classes."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(2, 4, 3, padding=1, bias=False)
        self.grouped = nn.Conv2d(4, 4, 3, padding=2, dilation=2, groups=2)
        self.drop = nn.Dropout2d(0.0)
        self.strided = nn.Conv2d(4, 6, 3, stride=2, padding=1)
        self.norm = nn.BatchNorm2d(6, momentum=0.2)
        self.avg = nn.AvgPool2d(3, stride=1, padding=1)
        self.pool = nn.MaxPool2d(2, stride=1, padding=1, dilation=2)
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(12, 5)

    def forward(self, x):
        stem = torch.tanh(self.stem(x))
        skip = torch.sigmoid(self.grouped(stem)) + stem
        strided = torch.relu(self.strided(self.drop(skip)))
        cat = torch.cat([self.avg(self.norm(strided)), strided], dim=1)
        return self.head(torch.flatten(self.gap(self.pool(cat)), 1))


class AdaptivePoolCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs AdaptivePoolCnn: input [2, 9, 9], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3)
        self.smooth = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
        self.pool = nn.AdaptiveAvgPool2d(3)
        self.mix = nn.Conv2d(3, 2, 1)
        self.up = nn.AdaptiveAvgPool2d((4, 5))
        self.head = nn.Linear(40, 3)

    def forward(self, x):
        mixed = torch.sigmoid(self.mix(self.pool(self.smooth(torch.tanh(self.conv(x))))))
        return self.head(torch.flatten(self.up(mixed), 1))


class CeilPoolCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs CeilPoolCnn: input [1, 9, 16], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, padding=1)
        self.pool1 = nn.MaxPool2d(2, ceil_mode=True)
        self.conv2 = nn.Conv2d(4, 6, 2)
        self.pool2 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.head = nn.Linear(72, 3)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        return self.head(torch.flatten(x, 1))


class RectangularCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs RectangularCnn: input [2, 10, 13], 4 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, (3, 5), padding="same", dilation=(3, 1))
        self.pool1 = nn.MaxPool2d((2, 3), stride=2, padding=(0, 1))
        self.conv2 = nn.Conv2d(4, 6, (1, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2))
        self.pool2 = nn.AvgPool2d((2, 1), padding=(1, 0), count_include_pad=False)
        self.head = nn.Linear(54, 4)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        return self.head(torch.flatten(x, 1))


class PaddedCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs PaddedCnn: input [2, 9, 10], 3 classes."""

    def __init__(self):
        super().__init__()
        self.pad = nn.ZeroPad2d((1, 2, 0, 1))
        self.conv1 = nn.Conv2d(2, 4, 4, padding="same")
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 6, (2, 3), padding="same")
        self.crop = nn.ZeroPad2d((-1, 0, 1, -1))
        self.head = nn.Linear(150, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv1(self.pad(x))))
        x = self.crop(torch.tanh(self.conv2(x)))
        return self.head(torch.flatten(x, 1))


class GroupNormCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs GroupNormCnn: input [3, 8, 8], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.norm1 = nn.GroupNorm(4, 8)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 6, 3)
        self.norm2 = nn.GroupNorm(3, 6, affine=False)
        self.norm3 = nn.GroupNorm(2, 24, eps=1e-3)
        self.head = nn.Linear(24, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.norm1(self.conv1(x))))
        x = torch.flatten(self.norm2(self.conv2(x)), 1)
        return self.head(torch.tanh(self.norm3(x)))


class InstanceNormCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs InstanceNormCnn: input [2, 6, 6], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.norm1 = nn.InstanceNorm2d(4)
        self.conv2 = nn.Conv2d(4, 4, 3)
        self.norm2 = nn.InstanceNorm2d(4, eps=1e-3, affine=True)
        self.head = nn.Linear(64, 3)

    def forward(self, x):
        x = self.conv2(torch.tanh(self.norm1(self.conv1(x))))
        return self.head(torch.flatten(torch.tanh(self.norm2(x)), 1))


class TransposedCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs TransposedCnn: input [1, 8, 8], 3 classes."""

    def __init__(self):
        super().__init__()
        self.down = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1)
        self.widen = nn.ConvTranspose2d(4, 2, (2, 3), stride=(1, 2), groups=2, bias=False)
        self.head = nn.Linear(306, 3)

    def forward(self, x):
        x = torch.tanh(self.up(torch.tanh(self.down(x))))
        return self.head(torch.flatten(self.widen(x), 1))


class UpsampleCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs UpsampleCnn: input [2, 5, 6], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv2 = nn.Conv2d(4, 3, 3)
        self.widen = nn.Upsample(scale_factor=(1, 3), mode="nearest")
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Linear(180, 3)

    def forward(self, x):
        x = torch.tanh(self.conv2(self.up(torch.tanh(self.conv1(x)))))
        return self.head(torch.flatten(self.pool(self.widen(x)), 1))


class EdgePaddedCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs EdgePaddedCnn: input [2, 7, 8], 3 classes."""

    def __init__(self):
        super().__init__()
        self.pad1 = nn.ReflectionPad2d(2)
        self.conv1 = nn.Conv2d(2, 4, 3)
        self.pad2 = nn.ReplicationPad2d((1, 0, 2, 1))
        self.conv2 = nn.Conv2d(4, 3, 3, stride=2)
        self.pad3 = nn.ReflectionPad2d((-1, 2, 1, -1))
        self.head = nn.Linear(90, 3)

    def forward(self, x):
        x = torch.tanh(self.conv1(self.pad1(x)))
        x = torch.tanh(self.conv2(self.pad2(x)))
        return self.head(torch.flatten(self.pad3(x), 1))


class PaddingModeCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs PaddingModeCnn: input [2, 8, 9], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=2, padding_mode="reflect")
        self.conv2 = nn.Conv2d(4, 3, (2, 4), padding="same", padding_mode="replicate")
        self.conv3 = nn.Conv2d(3, 2, 3, stride=2, padding=1, padding_mode="circular", bias=False)
        self.head = nn.Linear(60, 3)

    def forward(self, x):
        x = torch.tanh(self.conv2(torch.tanh(self.conv1(x))))
        return self.head(torch.flatten(self.conv3(x), 1))


class BilinearCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs BilinearCnn: input [2, 5, 6], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")
        self.conv2 = nn.Conv2d(4, 3, 3)
        self.widen = nn.Upsample(scale_factor=(1, 3), mode="bilinear", align_corners=True)
        self.pool = nn.AvgPool2d(2)
        self.head = nn.Linear(180, 3)

    def forward(self, x):
        x = torch.tanh(self.conv2(self.up(torch.tanh(self.conv1(x)))))
        return self.head(torch.flatten(self.pool(self.widen(x)), 1))


class TrackedInstanceNormCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs TrackedInstanceNormCnn: input [2, 6, 6], 3 classes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.norm1 = nn.InstanceNorm2d(4, momentum=0.3, affine=True, track_running_stats=True)
        self.conv2 = nn.Conv2d(4, 4, 3)
        self.norm2 = nn.InstanceNorm2d(4, track_running_stats=True)
        self.head = nn.Linear(64, 3)

    def forward(self, x):
        x = self.conv2(torch.tanh(self.norm1(self.conv1(x))))
        return self.head(torch.flatten(torch.tanh(self.norm2(x)), 1))


class ResNetDownsampleCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs ResNetDownsampleCnn: input [3, 8, 8], 4 classes; a branch ([From])."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(4)
        self.conv1 = nn.Conv2d(4, 8, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.shortcut = nn.Conv2d(4, 8, 1, stride=2, bias=False)
        self.shortcut_bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.stem_bn(self.stem(x)))
        main = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        x = torch.relu(self.shortcut_bn(self.shortcut(x)) + main)
        return self.head(torch.flatten(self.pool(x), 1))


class MobileNetV2Cnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs MobileNetV2Cnn: input [3, 8, 8], 4 classes; ReLU6, depthwise convolutions."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.expand1 = nn.Conv2d(8, 16, 1, bias=False)
        self.expand1_bn = nn.BatchNorm2d(16)
        self.depthwise1 = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.depthwise1_bn = nn.BatchNorm2d(16)
        self.project1 = nn.Conv2d(16, 8, 1, bias=False)
        self.project1_bn = nn.BatchNorm2d(8)
        self.expand2 = nn.Conv2d(8, 16, 1, bias=False)
        self.expand2_bn = nn.BatchNorm2d(16)
        self.depthwise2 = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16, bias=False)
        self.depthwise2_bn = nn.BatchNorm2d(16)
        self.project2 = nn.Conv2d(16, 12, 1, bias=False)
        self.project2_bn = nn.BatchNorm2d(12)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(12, 4)

    def forward(self, x):
        x = F.relu6(self.stem_bn(self.stem(x)))
        y = F.relu6(self.expand1_bn(self.expand1(x)))
        y = F.relu6(self.depthwise1_bn(self.depthwise1(y)))
        x = x + self.project1_bn(self.project1(y))
        y = F.relu6(self.expand2_bn(self.expand2(x)))
        y = F.relu6(self.depthwise2_bn(self.depthwise2(y)))
        x = self.project2_bn(self.project2(y))
        return self.head(torch.flatten(self.pool(x), 1))


class SizedUpsampleCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs SizedUpsampleCnn: input [2, 5, 6], 3 classes; Upsample(size=...) both modes."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.up = nn.Upsample(size=(7, 9), mode="nearest")
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1)
        self.down = nn.Upsample(size=(4, 5), mode="bilinear")
        self.widen = nn.Upsample(size=(5, 7), mode="bilinear", align_corners=True)
        self.head = nn.Linear(140, 3)

    def forward(self, x):
        x = torch.tanh(self.conv2(self.up(torch.tanh(self.conv1(x)))))
        return self.head(torch.flatten(self.widen(self.down(x)), 1))


class AdaptiveMaxPoolCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs AdaptiveMaxPoolCnn: input [2, 7, 7], 3 classes; fastai's concat pool head."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.pool = nn.AdaptiveMaxPool2d((3, 3))
        self.conv2 = nn.Conv2d(4, 6, 1)
        self.max_head = nn.AdaptiveMaxPool2d(1)
        self.avg_head = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(12, 3)

    def forward(self, x):
        x = torch.tanh(self.conv2(self.pool(self.conv1(x))))
        pooled = torch.cat([self.avg_head(x), self.max_head(x)], 1)
        return self.head(torch.flatten(pooled, 1))


class SqueezeExciteCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs SqueezeExciteCnn: input [3, 6, 6], 3 classes; channel and elementwise gates."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.squeeze = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(8, 2, 1)
        self.expand = nn.Conv2d(2, 8, 1)
        self.pool = nn.MaxPool2d(2)
        self.squeeze2 = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Linear(8, 4)
        self.fc2 = nn.Linear(4, 8)
        self.gate = nn.Conv2d(8, 8, 1)
        self.head = nn.Linear(72, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = torch.sigmoid(self.expand(F.relu(self.reduce(self.squeeze(x))))) * x
        x = self.pool(x)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(torch.flatten(self.squeeze2(x), 1)))))
        x = s.view(-1, 8, 1, 1) * x
        x = torch.sigmoid(self.gate(x)) * x
        return self.head(torch.flatten(x, 1))


class MobileNetV3Cnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs MobileNetV3Cnn: input [3, 8, 8], 4 classes; Hardswish, SE with Hardsigmoid."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(8)
        self.expand = nn.Conv2d(8, 16, 1, bias=False)
        self.expand_bn = nn.BatchNorm2d(16)
        self.depthwise = nn.Conv2d(16, 16, 3, padding=1, groups=16, bias=False)
        self.depthwise_bn = nn.BatchNorm2d(16)
        self.squeeze = nn.AdaptiveAvgPool2d(1)
        self.reduce = nn.Conv2d(16, 4, 1)
        self.excite = nn.Conv2d(4, 16, 1)
        self.project = nn.Conv2d(16, 8, 1, bias=False)
        self.project_bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = F.hardswish(self.stem_bn(self.stem(x)))
        y = F.hardswish(self.expand_bn(self.expand(x)))
        y = F.hardswish(self.depthwise_bn(self.depthwise(y)))
        y = F.hardsigmoid(self.excite(F.relu(self.reduce(self.squeeze(y))))) * y
        x = x + self.project_bn(self.project(y))
        return self.head(torch.flatten(self.pool(x), 1))


class SpatialGateCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs SpatialGateCnn: input [3, 6, 6], 3 classes; one-channel maps times images."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 3, padding=1)
        self.attention = nn.Conv2d(6, 1, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.map2 = nn.Conv2d(6, 1, 1)
        self.feat = nn.Conv2d(6, 4, 1)
        self.head = nn.Linear(36, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = torch.sigmoid(self.attention(x)) * x
        x = self.pool(x)
        m = torch.sigmoid(self.map2(x))
        y = F.relu(self.feat(x)) * m
        return self.head(torch.flatten(y, 1))


class DecoderCnn(nn.Module):
    """Runtime.Tests/Models/CnnModels.cs DecoderCnn: input [2, 5, 6], 3 classes; linear features unflattened to an image."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(60, 32)
        self.grid = nn.Unflatten(1, (1, 4, 8))
        self.up = nn.ConvTranspose2d(1, 3, 3, stride=2, padding=1, output_padding=1)
        self.down = nn.Conv2d(3, 4, 3, stride=2)
        self.head = nn.Linear(116, 3)

    def forward(self, x):
        f = F.relu(self.fc1(torch.flatten(x, 1)))
        y = torch.tanh(self.up(self.grid(f)))
        y = F.relu(self.down(y))
        return self.head(torch.cat([torch.flatten(y, 1), f], dim=1))


CASES = [
    # name, factory, seed, input shape, classes, parameters with a zero gradient in exact arithmetic, loss reduction
    ("LeNet5", lambda: LeNet5(), 51, (1, 28, 28), 10, [], "mean"),
    ("NormalizedCnnNoDropout", lambda: LeNet5(batch_norm=True, dropout=0.0), 52, (1, 28, 28), 10, ["conv1.bias", "conv2.bias"], "mean"),
    ("CnnOpsNet", CnnOpsNet, 53, (2, 12, 12), 5, [], "mean"),
    ("AdaptivePoolCnn", AdaptivePoolCnn, 54, (2, 9, 9), 3, [], "sum"),
    ("CeilPoolCnn", CeilPoolCnn, 55, (1, 9, 16), 3, [], "sum"),
    ("RectangularCnn", RectangularCnn, 56, (2, 10, 13), 4, [], "sum"),
    ("PaddedCnn", PaddedCnn, 57, (2, 9, 10), 3, [], "sum"),
    ("GroupNormCnn", GroupNormCnn, 58, (3, 8, 8), 3, [], "sum"),
    ("InstanceNormCnn", InstanceNormCnn, 59, (2, 6, 6), 3, ["conv1.bias", "conv2.bias"], "sum"),
    ("TransposedCnn", TransposedCnn, 60, (1, 8, 8), 3, [], "sum"),
    ("UpsampleCnn", UpsampleCnn, 61, (2, 5, 6), 3, [], "sum"),
    ("EdgePaddedCnn", EdgePaddedCnn, 62, (2, 7, 8), 3, [], "sum"),
    ("PaddingModeCnn", PaddingModeCnn, 63, (2, 8, 9), 3, [], "sum"),
    ("BilinearCnn", BilinearCnn, 64, (2, 5, 6), 3, [], "sum"),
    ("TrackedInstanceNormCnn", TrackedInstanceNormCnn, 65, (2, 6, 6), 3, ["conv1.bias", "conv2.bias"], "sum"),
    ("ResNetDownsampleCnn", ResNetDownsampleCnn, 66, (3, 8, 8), 4, [], "sum"),
    ("MobileNetV2Cnn", MobileNetV2Cnn, 67, (3, 8, 8), 4, ["project1_bn.bias"], "sum"),
    ("SizedUpsampleCnn", SizedUpsampleCnn, 68, (2, 5, 6), 3, [], "sum"),
    ("AdaptiveMaxPoolCnn", AdaptiveMaxPoolCnn, 69, (2, 7, 7), 3, [], "sum"),
    ("SqueezeExciteCnn", SqueezeExciteCnn, 70, (3, 6, 6), 3, [], "sum"),
    ("MobileNetV3Cnn", MobileNetV3Cnn, 71, (3, 8, 8), 4, [], "sum"),
    ("SpatialGateCnn", SpatialGateCnn, 72, (3, 6, 6), 3, [], "sum"),
    ("DecoderCnn", DecoderCnn, 73, (2, 5, 6), 3, [], "sum"),
]


def build(factory, seed):
    torch.manual_seed(seed)
    net = factory()
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, nn.InstanceNorm2d) and module.track_running_stats:
                if module.affine:
                    module.weight.copy_(1 + 0.2 * torch.randn_like(module.weight))
                    module.bias.copy_(0.1 * torch.randn_like(module.bias))
                module.running_mean.copy_(0.2 * torch.randn_like(module.running_mean))
                module.running_var.copy_(0.5 + torch.rand_like(module.running_var))
            if isinstance(module, nn.BatchNorm2d):
                module.weight.copy_(1 + 0.2 * torch.randn_like(module.weight))
                module.bias.copy_(0.1 * torch.randn_like(module.bias))
                module.running_mean.copy_(0.2 * torch.randn_like(module.running_mean))
                module.running_var.copy_(0.5 + torch.rand_like(module.running_var))
                module.num_batches_tracked.fill_(2)
    return net


def arrays(prefix, named):
    return {prefix + k: v.detach().numpy().copy() for k, v in named}


def main():
    torch.set_num_threads(1)
    cases = []
    for name, factory, seed, shape, classes, zero_gradient, reduction in CASES:
        net = build(factory, seed)
        save_file({k: v.numpy() for k, v in net.state_dict().items()}, os.path.join(GOLDEN, f"cnn_{name}.safetensors"), {"format": "pt"})
        x = torch.rand(BATCH, *shape) if shape[0] == 1 else torch.randn(BATCH, *shape)
        t = torch.randint(0, classes, (BATCH,))
        net.eval()
        with torch.no_grad():
            eval_logits = net(x)
        net.train()
        optimizer = torch.optim.Adam(net.parameters(), lr=LR)
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(net(x), t, reduction=reduction)
        loss.backward()
        expected = {"inputs": x.numpy(), "labels": t.numpy(), "eval_logits": eval_logits.numpy(), "loss": np.array([loss.item()], dtype=np.float32)}
        expected.update(arrays("grad.", ((k, p.grad) for k, p in net.named_parameters())))
        optimizer.step()
        expected.update(arrays("after.", net.named_parameters()))
        expected.update(arrays("buffer.", net.named_buffers()))
        net.eval()
        with torch.no_grad():
            expected["eval_logits_after"] = net(x).numpy()
        save_file(expected, os.path.join(GOLDEN, f"cnn_{name}_expected.safetensors"), {"format": "expected", "torch": torch.__version__})
        case = {"name": name, "loss": loss.item(), "zero_gradient": zero_gradient}
        path = os.path.join(GOLDEN, f"staticgrad_cnn_{name}.safetensors")
        if os.path.exists(path):
            tensors, _ = load_file(path)
            reloaded = factory()
            reloaded.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in tensors.items()}, strict=True)
            reloaded.eval()
            with torch.no_grad():
                case["staticgrad_eval_logits"] = [float(v) for v in reloaded(x).flatten().tolist()]
        cases.append(case)
    with open(os.path.join(GOLDEN, "cnn.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases")


if __name__ == "__main__":
    main()
